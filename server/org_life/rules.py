"""The org-life meeting's preparation facts and rules, registered in the compliance registry."""
