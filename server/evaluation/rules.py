"""EVAL-feedback, registered in the compliance registry."""
