"""REC-timeline, registered in the compliance registry."""
