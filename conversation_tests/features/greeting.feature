Feature: Greeting
  The bot greets the user for the time of day in the user's own time zone,
  and by name when the session knows the customer.

  @local-clock
  Scenario Outline: A greeting in each part of the day
    Given a new conversation
    And the time is "<time>" in "<zone>"
    When I say "<hello>"
    Then the intent is "Greeting"
    And the bot says "Good <part of day>! How can I help you today?"
    And the intent state is "Fulfilled"
    And the dialog action is "Close"

    Examples:
      | time  | zone             | hello         | part of day |
      | 08:15 | Europe/Paris     | hello         | morning     |
      | 11:59 | America/New_York | good morning  | morning     |
      | 12:00 | Asia/Tokyo       | hi there      | afternoon   |
      | 17:45 | UTC              | hey           | afternoon   |
      | 18:00 | Australia/Sydney | good evening  | evening     |
      | 02:30 | America/Chicago  | howdy         | evening     |

  @local-clock
  Scenario: The time-zone request attribute decides the part of day
    Given a new conversation
    And the time is "13:00" in "UTC"
    And the request attribute "x-amz-lex:time-zone" is "Asia/Tokyo"
    When I say "hello"
    Then the bot says "Good evening! How can I help you today?"

  @local-clock @session-attributes
  Scenario: Greeting by name
    Given a new conversation as "ana-42"
    And the time is "09:00" in "Europe/Lisbon"
    And the session attribute "customer" is "Ana"
    When I say "hi"
    Then the bot says "Good morning, Ana! How can I help you today?"
    And the session attribute "customer" is "Ana"

  Scenario Outline: Greeting utterances are recognised
    Given a new conversation
    When I say "<utterance>"
    Then the intent is "Greeting" with confidence at least 0.5

    Examples:
      | utterance        |
      | hello            |
      | hey there        |
      | greetings        |
      | hello, anyone there |
      | hi bot           |
