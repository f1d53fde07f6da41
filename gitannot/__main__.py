from gitannot.main import main

raise SystemExit(main())
