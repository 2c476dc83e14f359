"""The rules engine: SPEC's rules judged per branch and period, the committee view, Excel exports."""
