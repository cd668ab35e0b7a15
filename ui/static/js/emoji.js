// A small built-in emoji set: shortcode -> character.
export const EMOJI = {
  "+1": "👍", thumbsup: "👍", "-1": "👎", thumbsdown: "👎", smile: "😄", smiley: "😃", grin: "😁",
  joy: "😂", laughing: "😆", wink: "😉", blush: "😊", heart_eyes: "😍", thinking_face: "🤔",
  thinking: "🤔", neutral_face: "😐", confused: "😕", cry: "😢", sob: "😭", angry: "😠", rage: "😡",
  scream: "😱", sweat_smile: "😅", sunglasses: "😎", slightly_smiling_face: "🙂", upside_down_face: "🙃",
  eyes: "👀", wave: "👋", clap: "👏", pray: "🙏", raised_hands: "🙌", ok_hand: "👌", muscle: "💪",
  point_up: "☝️", heart: "❤️", broken_heart: "💔", fire: "🔥", star: "⭐", sparkles: "✨", tada: "🎉",
  rocket: "🚀", white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", question: "❓",
  exclamation: "❗", bulb: "💡", memo: "📝", calendar: "📅", coffee: "☕", beer: "🍺", pizza: "🍕",
  cake: "🍰", bug: "🐛", robot_face: "🤖", robot: "🤖", zap: "⚡", hourglass: "⌛", lock: "🔒",
  key: "🔑", bell: "🔔", no_bell: "🔕", speech_balloon: "💬", mag: "🔍", link: "🔗", hammer: "🔨",
  wrench: "🔧", gear: "⚙️", package: "📦", chart_with_upwards_trend: "📈", 100: "💯", party_popper: "🎉",
  see_no_evil: "🙈", shrug: "🤷", facepalm: "🤦", skull: "💀", ghost: "👻", sun: "☀️", cloud: "☁️",
  umbrella: "☂️", snowflake: "❄️", dog: "🐶", cat: "🐱", unicorn: "🦄", green_heart: "💚",
  blue_heart: "💙", purple_heart: "💜", yellow_heart: "💛", red_circle: "🔴", large_green_circle: "🟢",
  construction: "🚧", rotating_light: "🚨", ship: "🚢", house: "🏠", computer: "💻", books: "📚",
};

// The reactions offered by the quick picker.
export const QUICK = ["+1", "heart", "joy", "tada", "eyes", "white_check_mark", "fire", "pray", "rocket", "thinking_face", "x", "100"];

export function emojiChar(code) {
  if (!code) return "";
  code = String(code).replace(/^:|:$/g, "");
  if (/[^\x00-\x7f]/.test(code)) return code; // an emoji with no shortcode is stored as itself
  const base = code.split("::")[0];
  return EMOJI[base] || ":" + code + ":";
}

export function searchEmoji(prefix, limit = 8) {
  prefix = prefix.toLowerCase();
  const seen = new Set();
  const out = [];
  for (const [k, v] of Object.entries(EMOJI)) {
    if (k.startsWith(prefix) && !seen.has(v)) {
      seen.add(v);
      out.push([k, v]);
      if (out.length >= limit) break;
    }
  }
  return out;
}

// Replace :shortcode: of the built-in set with the character.
export function replaceShortcodes(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (m, code) => EMOJI[code] || m);
}
