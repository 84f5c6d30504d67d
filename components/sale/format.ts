// Wording of the flash-sale queue, shared by the server-rendered page and the live components.
import { formatCountdown } from "../format";

/** 1st 2nd 3rd 4th … 11th 12th 13th … 21st 22nd … 101st 111th. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}

/** A rough duration for an estimate: "less than 10 seconds", "about 40 seconds", "about 3 minutes", "about 2 hours". */
export function formatWait(seconds: number): string {
  if (!Number.isFinite(seconds)) return "a while";
  if (seconds < 10) return "less than 10 seconds";
  if (seconds < 55) return `about ${Math.round(seconds / 5) * 5} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round((seconds / 3600) * 2) / 2;
  return `about ${hours} hour${hours === 1 ? "" : "s"}`;
}

/** Time until a start: "2d 4h" beyond a day, else the clock form ("1:02:03", "4:05"). */
export function formatStartsIn(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  if (total >= 86_400) {
    const days = Math.floor(total / 86_400);
    const hours = Math.floor((total % 86_400) / 3600);
    return `${days}d ${hours}h`;
  }
  return formatCountdown(ms);
}

/** "2 minutes" / "90 seconds" for a configured length of time. */
export function formatSeconds(seconds: number): string {
  if (seconds % 60 === 0) {
    const m = seconds / 60;
    return `${m} minute${m === 1 ? "" : "s"}`;
  }
  return `${seconds} seconds`;
}
