@bot:cfn/BookTrip.cfn.yaml
Feature: Changing intent while a slot is asked for
  Lex reads a reply against the other intents before taking it "as said" as a value of an
  open slot type such as AMAZON.City (docs/lexv2-semantics.md section 3.3).

  Scenario: Another intent's utterance is not taken as a city
    Given a new conversation
    When I say "book a car"
    Then the bot asks for "PickUpCity"
    When I say "book a hotel"
    Then the intent is "BookHotel"
    And the bot asks for "Location"

  Scenario Outline: A hedge is no city
    Given a new conversation
    When I say "book a car"
    And I say "<reply>"
    Then the intent is "BookCar"
    And the bot asks for "PickUpCity"
    And the slot "PickUpCity" is empty

    Examples:
      | reply          |
      | not sure yet   |
      | I don't know   |

  Scenario: A city is still a city
    Given a new conversation
    When I say "book a car"
    And I say "Kalamazoo"
    Then the slot "PickUpCity" is "Kalamazoo"
    And the bot asks for "PickUpDate"
