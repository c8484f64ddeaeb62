"""The case lifecycle: transitions, take-next, rules, approval, consultation, deadlines."""
