@bot:custom_resource/BankerBot.yaml
Feature: Output contexts carry slot values to the next intent
  An output context holds the closing intent's slot values, and a later intent's default value
  "#contextCheckBalance.dateOfBirth" reads them (docs/lexv2-semantics.md section 3.2 step 7).

  Scenario: The follow-up does not ask again for the date of birth
    Given a new conversation
    When I say "Check my account balance"
    Then the bot asks for "accountType"
    When I say "checking"
    Then the bot asks for "dateOfBirth"
    When I say "January 5 1980"
    Then the dialog action is "Close"
    When I say "What about savings"
    Then the intent is "FollowupCheckBalance"
    And the slot "accountType" is "Savings"
    And the slot "dateOfBirth" is "1980-01-05"
    And the dialog action is "Close"
