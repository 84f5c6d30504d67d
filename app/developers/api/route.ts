// The API reference for developers: Scalar's standalone bundle, served from this origin
// (copied into public/vendor by `npm run generate`), reading /api/v1/openapi.json. The page's
// Content-Security-Policy lets it load nothing from anywhere else: no CDN, no web fonts, no proxy.
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Stockwire API reference</title>
    <meta name="description" content="Every route of the Stockwire HTTP API: requests, answers, error codes and authentication." />
  </head>
  <body>
    <script id="api-reference" data-url="/api/v1/openapi.json" data-configuration='{"withDefaultFonts":false,"hideClientButton":true,"hideDownloadButton":false,"metaData":{"title":"Stockwire API reference"}}'></script>
    <script src="/vendor/scalar/standalone.js"></script>
  </body>
</html>
`;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function GET(): Response {
  return new Response(PAGE, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "cache-control": "public, max-age=300",
    },
  });
}
