// Invite links: /join/<room id> opens the chat and joins the room, after sign-in if need be.

const PATH = /^\/join\/([^/?#]+)$/;
// The same rule as a conversationId in the protocol's frames: 1..256 characters, no control characters.
const ROOM_ID = /^[^\u0000-\u001f\u007f]{1,256}$/;

/** The room id of an invite path such as "/join/room-…", or null for any other (or a malformed) path. */
export function inviteRoomId(pathname) {
  const match = PATH.exec(pathname);
  if (!match) return null;
  let roomId;
  try {
    roomId = decodeURIComponent(match[1]);
  } catch {
    return null; // a broken %-escape
  }
  return ROOM_ID.test(roomId) ? roomId : null;
}

/** The invite link of a room, on this site. */
export function inviteUrl(origin, roomId) {
  return `${origin}/join/${encodeURIComponent(roomId)}`;
}

/** Where to go after signing in: the invite the sign-in page was sent from (?next=/join/…), else the chat. */
export function afterSignIn(search) {
  const next = new URLSearchParams(search).get("next") ?? "";
  return inviteRoomId(next) !== null ? next : "/";
}
