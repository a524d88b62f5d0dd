// OrderFlowers' code hook in Node.js: the same logic as ../orderflowers_hooks.py, as a plain
// Lambda handler (async style). Run it locally with `--code-hook node:node/index.js`.
// "Today" is the real date, or FLOWERS_TODAY (YYYY-MM-DD) when set, so tests on a fixed clock agree.
'use strict';

const FLOWER_TYPES = ['lilies', 'roses', 'tulips'];
const PARTS_OF_DAY = ['MO', 'AF', 'EV', 'NI'];
const OPENS = 10 * 60;
const CLOSES = 17 * 60;

function value(intent, name) {
  const slot = (intent.slots || {})[name];
  return slot && slot.value ? slot.value.interpretedValue || null : null;
}

function today() {
  return process.env.FLOWERS_TODAY || new Date().toISOString().slice(0, 10);
}

function checkOrder(intent) {
  const flower = value(intent, 'FlowerType');
  if (flower !== null && !FLOWER_TYPES.includes(flower.toLowerCase())) {
    return ['FlowerType', `We do not have ${flower}, would you like a different type of flower?  Our most popular flowers are roses`];
  }
  const day = value(intent, 'PickupDate');
  if (day !== null) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      return ['PickupDate', 'I did not understand that, what date would you like to pick the flowers up?'];
    }
    if (day <= today()) {
      return ['PickupDate', 'You can pick up the flowers from tomorrow onwards.  What day would you like to pick them up?'];
    }
  }
  const at = value(intent, 'PickupTime');
  if (at !== null && !PARTS_OF_DAY.includes(at)) {
    const match = /^(\d{1,2}):(\d{2})$/.exec(at);
    if (!match) return ['PickupTime', 'I did not understand that, what time would you like to pick the flowers up?'];
    const minutes = Number(match[1]) * 60 + Number(match[2]);
    if (minutes < OPENS || minutes > CLOSES) {
      return ['PickupTime', 'Our business hours are from ten a m. to five p m. Can you specify a time during this range?'];
    }
  }
  return null;
}

function text(content) {
  return { contentType: 'PlainText', content };
}

exports.handler = async (event) => {
  const state = event.sessionState;
  const intent = state.intent;
  const attributes = { ...(state.sessionAttributes || {}) };
  if (event.invocationSource === 'DialogCodeHook') {
    const problem = checkOrder(intent);
    if (problem) {
      const [slot, message] = problem;
      console.log(`re-asking ${slot}: ${message}`);
      return {
        sessionState: {
          sessionAttributes: attributes,
          dialogAction: { type: 'ElicitSlot', slotToElicit: slot },
          intent: { ...intent, slots: { ...intent.slots, [slot]: null }, state: 'InProgress' },
        },
        messages: [text(message)],
      };
    }
    const flower = value(intent, 'FlowerType');
    if (flower !== null) attributes.Price = String(flower.length * 5);
    // The intent goes back whole: its confirmationState tells Lex the user already said yes.
    return { sessionState: { sessionAttributes: attributes, dialogAction: { type: 'Delegate' }, intent } };
  }
  const [flower, day, at] = ['FlowerType', 'PickupDate', 'PickupTime'].map((name) => value(intent, name));
  return {
    sessionState: {
      sessionAttributes: attributes,
      dialogAction: { type: 'Close' },
      intent: { ...intent, state: 'Fulfilled' },
    },
    messages: [text(`Thanks, your order for ${flower} has been placed and will be ready for pickup by ${at} on ${day}`)],
  };
};
