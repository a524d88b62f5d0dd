Feature: Sessions
  A session ends after 300 seconds idle (the bot's idle_session_ttl) and keeps its attributes until then.

  # Idle steps jump the engine's clock; on a real alias they really wait, hence @slow; the chat target skips @local-clock.
  @slow @local-clock
  Scenario: A session expires after being idle too long
    Given a new conversation
    When I say "check my status"
    Then the bot asks for "StatusType"
    When the session has been idle for 301 seconds
    And I say "bananas"
    Then the intent is "FallbackIntent"
    And the bot says "I'm sorry, I couldn't understand that."

  @slow @local-clock
  Scenario: A session within its idle time keeps its state
    Given a new conversation
    When I say "check my status"
    And the session has been idle for 299 seconds
    And I say "bananas"
    Then the intent is "Status"
    And the bot asks for "StatusType"
    When I say "order"
    Then the slot "StatusType" is "order"

  @slow @local-clock @session-attributes
  Scenario: Session attributes are forgotten when the session expires
    Given a new conversation
    And the session attribute "customer" is "Ana"
    When I say "where is my delivery"
    Then the session attribute "customer" is "Ana"
    And the session attribute "lastStatusType" is "delivery"
    When the session has been idle for 400 seconds
    And I say "help"
    Then the session attribute "customer" is not set
    And the session attribute "lastStatusType" is not set
