Feature: Help
  The bot explains what it can do.

  Scenario Outline: Asking for help
    Given a new conversation
    When I say "<utterance>"
    Then the intent is "Help"
    And the bot says something containing "I can help you with"
    And the bot says something matching "order status, account information, delivery tracking"
    And the intent state is "Fulfilled"

    Examples:
      | utterance             |
      | help                  |
      | what can you do       |
      | i need help           |
      | show me the options   |
      | how does this work    |
