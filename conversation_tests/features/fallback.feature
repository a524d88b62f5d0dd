Feature: Fallback
  When no intent is confident enough, FallbackIntent answers.

  Scenario Outline: Utterances the bot does not understand
    Given a new conversation
    When I say "<utterance>"
    Then the intent is "FallbackIntent"
    And the bot says "I'm sorry, I couldn't understand that."
    And the interpretations include "FallbackIntent"
    And the dialog action is "Close"

    Examples:
      | utterance                          |
      | purple elephants dance quietly     |
      | zxqv blorp                         |
      | the mitochondria is the powerhouse |
