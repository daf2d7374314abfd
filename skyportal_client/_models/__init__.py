"""What the generated models and API methods stand on: the field rules of a model, the checks of
an operation's parameters, and the report of the problems found, all before anything is sent."""
