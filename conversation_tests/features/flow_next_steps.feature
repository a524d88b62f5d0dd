@bot:lexjson/ReminderBot
Feature: Conditional branches and explicit next steps
  ReminderBot checks the captured number of days with a conditional branch, and counts
  fallbacks in a session attribute (docs/lexv2-semantics.md section 3.2).

  Scenario: A value outside the range is asked for again
    Given a new conversation
    When I say "I want an email"
    Then the bot says "We will email you on the day you choose up to a week before your appointment."
    And the bot asks for "DaysBefore"
    When I say "9"
    Then the bot says "We can't email more than a week before your appointment. Please choose a number between 1 and 7."
    And the bot asks for "DaysBefore"
    And the slot "DaysBefore" is empty
    When I say "3"
    Then the slot "DaysBefore" is "3"
    And the bot says "No problem! Your email reminder has been set up for 3 days before your appointment."
    And the dialog action is "Close"

  @session-attributes
  Scenario: Fallbacks are counted and answered differently each time
    Given a new conversation
    When I say "zxcv blorp"
    Then the intent is "FallbackIntent"
    And the dialog action is "ElicitIntent"
    And the session attribute "fallback-count" is "1"
    And the bot says "Sorry, I didn't understand, can you rephrase? I am only able to set up reminders."
    When I say "qwerty zork"
    Then the bot says something containing "I can set up a reminder by call or email"
    When I say "call me at 5 pm"
    Then the intent is "CallIntent"
    And the slot "Time" is "17:00"
