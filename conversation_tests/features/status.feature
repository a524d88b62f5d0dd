Feature: Status
  The user checks the status of an order, their account or a delivery.

  @session-attributes
  Scenario Outline: The status type given up front
    Given a new conversation
    When I say "<utterance>"
    Then the intent is "Status"
    And the slot "StatusType" is "<type>"
    And the bot says "<reply>"
    And the intent state is "Fulfilled"
    And the dialog action is "Close"
    And the session attribute "lastStatusType" is "<type>"

    Examples:
      | utterance                         | type     | reply                                                                |
      | check my order status             | order    | Your last order #12345 is being processed and will be shipped soon.  |
      | what is my account status         | account  | Your account is active and in good standing.                         |
      | where is my delivery              | delivery | Your delivery is scheduled for tomorrow between 2-4 PM.              |
      | track my shipment                 | delivery | Your delivery is scheduled for tomorrow between 2-4 PM.              |
      | what's the status of my purchase  | order    | Your last order #12345 is being processed and will be shipped soon.  |

  @session-attributes
  Scenario: The status type is asked for when missing
    Given a new conversation
    When I say "check my status"
    Then the intent is "Status"
    And the bot asks for "StatusType"
    And the bot says "What type of status would you like to check?"
    And the bot offers the choices "Order", "Account", "Delivery"
    And the intent state is "InProgress"
    And the session attribute "lastStatusType" is not set
    When I say "account"
    Then the slot "StatusType" is "account"
    And the bot says "Your account is active and in good standing."

  Scenario Outline: Choosing a button of the card
    Given a new conversation
    When I say "status"
    Then the bot asks for "StatusType"
    When I choose "<button>"
    Then the slot "StatusType" is "<type>"
    And the bot says "<reply>"
    And the dialog action is "Close"

    Examples:
      | button   | type     | reply                                                                |
      | Order    | order    | Your last order #12345 is being processed and will be shipped soon.  |
      | Account  | account  | Your account is active and in good standing.                         |
      | Delivery | delivery | Your delivery is scheduled for tomorrow between 2-4 PM.              |

  Scenario Outline: Synonyms resolve to their value
    Given a new conversation
    When I say "check status"
    And I say "<synonym>"
    Then the slot "StatusType" is "<type>"

    Examples:
      | synonym    | type     |
      | orders     | order    |
      | purchase   | order    |
      | my order   | order    |
      | last order | order    |
      | accounts   | account  |
      | profile    | account  |
      | my account | account  |
      | membership | account  |
      | deliveries | delivery |
      | shipment   | delivery |
      | shipping   | delivery |
      | package    | delivery |
      | parcel     | delivery |

  Scenario: An invalid type is asked for again until the retries run out
    Given a new conversation
    When I say "check my status"
    And I say "bananas"
    Then the bot asks for "StatusType"
    And the bot says "What type of status would you like to check?"
    And the slot "StatusType" is empty
    When I say "bananas"
    Then the bot asks for "StatusType"
    When I say "bananas"
    Then the intent is "FallbackIntent"
    And the bot says "I'm sorry, I couldn't understand that."
    And the dialog action is "Close"

  Scenario: Switching intent while a slot is asked for
    Given a new conversation
    When I say "check my status"
    Then the bot asks for "StatusType"
    When I say "what can you do"
    Then the intent is "Help"
    And the bot says something containing "I can help you with"
    And the intent state is "Fulfilled"

  @session-attributes
  Scenario: The last status type persists across turns
    Given a new conversation
    When I say "where is my order"
    Then the session attribute "lastStatusType" is "order"
    When I say "hello"
    Then the intent is "Greeting"
    And the session attribute "lastStatusType" is "order"
    When I say "track my package"
    Then the session attribute "lastStatusType" is "delivery"
