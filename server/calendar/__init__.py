"""China's holiday calendar (rest days, make-up working days, the activity day) and members' calendar feeds."""
