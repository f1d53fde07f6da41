"""What a push brings, gathered once: the data type every push check and recorder reads.

Below access, audit, validation and the hook itself, so all of them import it downward.
"""
