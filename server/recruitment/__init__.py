"""Recruitment (发展党员, SPEC system 5): the road from applicant to full member, as a state machine."""
