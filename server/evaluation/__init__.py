"""Democratic evaluation of members (民主评议党员, SPEC system 2): self-assessment to reviewed grades and feedback."""
