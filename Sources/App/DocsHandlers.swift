import Foundation
import HTTP
import Routing

/// `GET /openapi.json`, the Swagger UI page at `/docs` and its two assets. The assets come from
/// PyPI's swagger-ui-py, unpacked by the set-up script into an ignored folder; nothing third-party
/// is committed.
struct DocsHandlers: Sendable {
    let spec: [UInt8]?
    let assets: [String: (contentType: String, bytes: [UInt8])]

    static let assetTypes = [
        "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
        "swagger-ui.css": "text/css; charset=utf-8",
    ]

    init(specPath: String, assetsDirectory: String) {
        spec = FileManager.default.contents(atPath: specPath).map { Array($0) }
        if spec == nil { ServerLog.error("no OpenAPI document at \(specPath); /openapi.json will answer 404") }
        var assets: [String: (String, [UInt8])] = [:]
        for (name, type) in DocsHandlers.assetTypes {
            if let data = FileManager.default.contents(atPath: assetsDirectory + "/" + name) { assets[name] = (type, Array(data)) }
        }
        if assets.count < DocsHandlers.assetTypes.count {
            ServerLog.error("Swagger UI assets missing in \(assetsDirectory) (scripts/run installs them); /docs will not render")
        }
        self.assets = assets
    }

    func openAPI(_ request: Request) throws -> Response {
        guard let spec else { throw HTTPError.notFound("The OpenAPI document is not installed.") }
        return .json(200, spec)
    }

    func page(_ request: Request) throws -> Response {
        Response(status: 200, contentType: "text/html; charset=utf-8", body: Array(DocsHandlers.html.utf8))
    }

    func asset(_ request: Request) throws -> Response {
        guard let asset = try assets[request.parameters.string("asset")] else { throw HTTPError.notFound("No such asset.") }
        var response = Response(status: 200, contentType: asset.contentType, body: asset.bytes)
        response.headers.add("Cache-Control", "public, max-age=3600")
        return response
    }

    static let html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Insikt API</title>
          <link rel="stylesheet" href="/docs/swagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="/docs/swagger-ui-bundle.js"></script>
          <script>
            window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
          </script>
        </body>
        </html>
        """
}
