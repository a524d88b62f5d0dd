@bot:lexjson/OrderFlowerRepeat-LexJson.zip
Feature: Built-in intents
  AMAZON.RepeatIntent has no sample utterances of its own; the engine recognises Lex's common
  phrasings and replays the last messages (docs/lexv2-semantics.md section 3.7).

  Scenario Outline: Repeating the question keeps it pending
    Given a new conversation
    When I say "I would like to order some flowers"
    Then the bot says "What type of flowers would you like to order?"
    When I say "<repeat>"
    Then the bot says "What type of flowers would you like to order?"
    And the bot asks for "FlowerType"
    When I say "roses"
    Then the slot "FlowerType" is "roses"

    Examples:
      | repeat         |
      | repeat that    |
      | say that again |
