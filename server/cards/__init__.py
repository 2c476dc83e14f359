"""Activity cards (党员活动证): one active card per person."""
