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

  Scenario: The fallback offers the Help intent's suggestions, and each one is understood
    Given a new conversation
    When I say "purple elephants dance quietly"
    Then the bot says "I'm sorry, I couldn't understand that."
    And the bot offers the choices "Order status", "Account information", "Delivery tracking", "What can you do?"
    When I choose "Delivery tracking"
    Then the intent is "Status"
    And the bot says "Your delivery is scheduled for tomorrow between 2-4 PM."

  Scenario: A fallback suggestion leads to the order status
    Given a new conversation
    When I say "zxqv blorp"
    And I choose "Order status"
    Then the intent is "Status"
    And the slot "StatusType" is "order"

  Scenario: A fallback suggestion leads to the account status
    Given a new conversation
    When I say "the mitochondria is the powerhouse"
    And I choose "Account information"
    Then the intent is "Status"
    And the bot says "Your account is active and in good standing."

  Scenario: A fallback suggestion asks what the bot can do
    Given a new conversation
    When I say "zxqv blorp"
    And I choose "What can you do?"
    Then the intent is "Help"
