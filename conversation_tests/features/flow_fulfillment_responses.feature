@bot:cfn/ConnectGenAI.sam.yaml
Feature: Fulfillment without a Lambda plays the success response
  A disabled fulfillment code hook succeeds without calling the Lambda, and the configured
  success response plays (docs/lexv2-semantics.md section 3.2 step 6).

  Scenario: Tracking an order
    Given a new conversation
    When I say "I want to track my order"
    Then the bot asks for "orderNumber"
    When I say "12345"
    Then the dialog action is "ConfirmIntent"
    And the bot says "You order number is 12345. Is that correct?"
    When I say "yes"
    Then the dialog action is "Close"
    And the bot says something containing "I have successfully created a track request for your order"
