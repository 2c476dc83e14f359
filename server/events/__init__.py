"""Events members attend and sign in to, with their notices and leave requests."""
