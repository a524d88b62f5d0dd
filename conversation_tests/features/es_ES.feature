Feature: The seed bot in Spanish (es_ES)
  The same intents, slots and replies as in English, in the bot's es_ES locale:
  Spanish utterances, prompts, card labels and replies; the status values stay
  order, account and delivery, so the replies are keyed alike in both languages.

  @local-clock @locale
  Scenario Outline: A greeting in Spanish for each part of the day
    Given the locale is "es_ES"
    And the time is "<time>" in "Europe/Madrid"
    When I say "<hola>"
    Then the intent is "Greeting"
    And the bot says "¡<saludo>! ¿En qué puedo ayudarte?"
    And the intent state is "Fulfilled"

    Examples:
      | time  | hola          | saludo        |
      | 09:00 | hola          | Buenos días   |
      | 13:30 | buenas tardes | Buenas tardes |
      | 22:00 | qué tal       | Buenas noches |

  @locale
  Scenario: Help in Spanish
    Given the locale is "es_ES"
    When I say "¿qué puedes hacer?"
    Then the intent is "Help"
    And the bot says something containing "Puedo ayudarte con: estado del pedido"

  @session-attributes @locale
  Scenario Outline: The status type given up front, with Spanish synonyms
    Given the locale is "es_ES"
    When I say "<frase>"
    Then the intent is "Status"
    And the slot "StatusType" is "<type>"
    And the bot says "<respuesta>"
    And the dialog action is "Close"
    And the session attribute "lastStatusType" is "<type>"

    Examples:
      | frase                         | type     | respuesta                                                                 |
      | dónde está mi paquete         | delivery | Tu entrega está prevista para mañana entre las 2 y las 4 de la tarde.     |
      | estado de mi cuenta           | account  | Tu cuenta está activa y al corriente.                                     |
      | cuál es el estado de mi pedido | order   | Tu último pedido #12345 se está procesando y se enviará pronto.           |

  @locale
  Scenario: The status type is asked for in Spanish, with a Spanish card
    Given the locale is "es_ES"
    When I say "consultar mi estado"
    Then the intent is "Status"
    And the bot asks for "StatusType"
    And the bot says "¿Qué estado quieres consultar?"
    And the bot offers the choices "Pedido", "Cuenta", "Entrega"
    When I choose "Entrega"
    Then the slot "StatusType" is "delivery"
    And the bot says "Tu entrega está prevista para mañana entre las 2 y las 4 de la tarde."

  @locale
  Scenario: Something the bot does not understand, in Spanish
    Given the locale is "es_ES"
    When I say "elefantes morados bailan en silencio"
    Then the intent is "FallbackIntent"
    And the bot says "Lo siento, no te he entendido."
