"""The solving loop: state, controller graph, judge, policies and the runner."""
