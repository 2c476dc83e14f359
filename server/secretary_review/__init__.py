"""述职评议: the branch secretary's annual performance review, graded by the committee."""
