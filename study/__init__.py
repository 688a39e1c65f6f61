"""User studies: phrases, conditions, session storage, text-entry metrics."""
