import Hummingbird
import HTTPTypes
import NIOCore
import SwitchboardCore
import SwitchboardStorage

/// `POST /oauth/token` (CONTRACT.md §6.2): a form-encoded exchange of an authorization code or a refresh token for an
/// access token and a new refresh token. The spent grant stops working; a refused request spends nothing.
struct OAuthController<Store: ConversationStore>: Sendable {
    let store: Store
    let accessTokens: AccessTokenAuthority
    let now: @Sendable () -> Timestamp
    /// Wrong client secrets and spent or unknown grants count against the caller's address, as bad tokens do.
    let failures: AuthenticationFailureBudget

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.post("/oauth/token") { request, context in try await token(request, context: context) }
    }

    func token(_ request: Request, context: AppRequestContext) async throws -> Response {
        try failures.check(context.clientAddress)
        do {
            return try await exchange(request, context: context)
        } catch let refused as OAuthTokenError where refused.status == 401 || refused.code == "invalid_grant" {
            failures.recordFailure(context.clientAddress)
            throw refused
        }
    }

    private func exchange(_ request: Request, context: AppRequestContext) async throws -> Response {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw OAuthTokenError.invalidRequest("content must be application/x-www-form-urlencoded")
        }
        let form = try FormBody(String(buffer: try await request.body.collect(upTo: context.maxUploadSize)))
        // The cheap checks first, then the client, then the grant: each refusal before the grant's redemption.
        guard let clientId = form["client_id"] else { throw OAuthTokenError.missing("client_id") }
        guard let secret = form["client_secret"] else { throw OAuthTokenError.missing("client_secret") }
        guard let grantType = form["grant_type"] else { throw OAuthTokenError.missing("grant_type") }
        guard let kind = OAuthGrant.Kind(rawValue: grantType) else { throw OAuthTokenError.unsupportedGrantType }
        // The installation decides the token's class; `user_type` is only checked to be one of HighLevel's values.
        if let userType = form["user_type"], OAuthUserType(rawValue: userType) == nil {
            throw OAuthTokenError.invalidRequest("invalid parameter: `user_type`")
        }
        guard let app = try await store.app(clientId: clientId, logger: context.logger),
            app.secretHash == TokenHash(token: secret)
        else { throw OAuthTokenError.invalidClient }
        let parameter = kind == .refreshToken ? "refresh_token" : "code"
        guard let presented = form[parameter] else { throw OAuthTokenError.missing(parameter) }

        // Read before the grant is spent, so nothing after the redemption can fail on I/O.
        let key = try await accessTokens.signingKey(logger: context.logger)
        let time = now()
        let (refreshToken, replacement) = OAuthCredentials.replacementRefreshToken(at: time)
        let installation: OAuthInstallation
        switch try await store.redeemGrant(
            kind, hash: TokenHash(token: presented), clientId: app.clientId, replacement: replacement, at: time,
            logger: context.logger)
        {
        case .redeemed(let redeemed): installation = redeemed
        case .invalid: throw OAuthTokenError.invalidGrant(kind, expired: false)
        case .expired: throw OAuthTokenError.invalidGrant(kind, expired: true)
        }
        let (accessToken, claims) = try await accessTokens.issue(for: installation, with: key)

        var response = JSONResponse.make(traceId: context.traceId) { json in
            json.key("access_token"); json.string(accessToken)
            json.key("token_type"); json.string("Bearer")
            json.key("expires_in"); json.integer(Int(OAuthCredentials.accessTokenLifetimeSeconds))
            json.key("refresh_token"); json.string(refreshToken)
            json.key("scope"); json.string(claims.oauthMeta.scopes.joined(separator: " "))
            json.key("userType"); json.string(installation.userType.rawValue)
            if let companyId = installation.companyId { json.key("companyId"); json.string(companyId) }
            if let locationId = installation.locationId { json.key("locationId"); json.string(locationId.rawValue) }
            json.key("userId"); json.string(installation.userId)
            json.key("isBulkInstallation"); json.bool(false)
        }
        // RFC 6749 §5.1: token responses are not cached.
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
