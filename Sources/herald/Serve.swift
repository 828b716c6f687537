import ArgumentParser
import Foundation
import HeraldCache
import HeraldCore
import HeraldHTTP
import HeraldSQLite
import Hummingbird
import Logging
import Memcached
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `herald serve`: runs the service until SIGTERM/SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Herald service.")

    @Option(help: "Address to listen on. Env: HERALD_HOST. Default 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on. Env: HERALD_PORT. Default 8080.")
    var port: Int?

    @OptionGroup var database: DatabaseOptions

    @Option(
        help:
            "When commits reach the disk: normal (synced at checkpoints and every 10,000 changed rows: a commit survives a crash of the process; after a power loss every seq moves past what may be lost) or full (every commit synced: it survives power loss too; here it cost a fifth to a third of the write rate). Env: HERALD_SYNC. Default normal."
    )
    var sync: String?

    @Option(
        help:
            "memcached servers: HOST:PORT[,HOST:PORT…] or /path/to.sock. Env: HERALD_MEMCACHED. Default 127.0.0.1:11211."
    )
    var memcached: String?

    @Option(
        name: .customLong("default-ttl"),
        help: "Default notification lifetime in seconds. Env: HERALD_DEFAULT_TTL. Default 2592000.")
    var defaultTTL: Int?

    @Option(help: "Seconds between SSE heartbeats. Env: HERALD_HEARTBEAT. Default 15.")
    var heartbeat: Int?

    @Option(
        name: .customLong("idle-timeout"),
        help:
            "Seconds a connection may stay silent, with no answer owed, or take to send one request, before it is closed (SSE streams exempt); 0: never. Env: HERALD_IDLE_TIMEOUT. Default 75."
    )
    var idleTimeout: Int?

    @Option(
        name: .customLong("max-streams-per-user"),
        help:
            "Event streams one user may hold open at once; one more is answered 429 too_many_streams. 0: no limit. Env: HERALD_MAX_STREAMS_PER_USER. Default 64."
    )
    var maxStreamsPerUser: Int?

    @Option(
        help:
            "Connections the kernel may hold waiting to be accepted (capped by net.core.somaxconn). Env: HERALD_BACKLOG. Default 4096."
    )
    var backlog: Int?

    @Option(
        name: .customLong("event-retention"),
        help: "Seconds events are kept for resume. Env: HERALD_EVENT_RETENTION. Default 604800.")
    var eventRetention: Int?

    @Option(
        name: .customLong("expired-retention"),
        help:
            "Seconds expired notifications are kept (invisible) before deletion. Env: HERALD_EXPIRED_RETENTION. Default 0."
    )
    var expiredRetention: Int?

    @Option(
        name: .customLong("cache-prefix"),
        help: "Prefix of every memcached key: 1-32 of [A-Za-z0-9._:-]. Env: HERALD_CACHE_PREFIX. Default herald.")
    var cachePrefix: String?

    @Option(
        name: .customLong("cache-ttl"),
        help: "Lifetime of cached counters in seconds. Env: HERALD_CACHE_TTL. Default 86400.")
    var cacheTTL: Int?

    @Option(
        name: .customLong("cache-audit"),
        help:
            "Seconds between comparisons of what memcached holds for the counts and notifications last read or changed with SQLite's (differences are logged, counted and dropped from the cache); 0: never. Env: HERALD_CACHE_AUDIT. Default 10."
    )
    var cacheAudit: Int?

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error. Env: HERALD_LOG_LEVEL. Default info.")
    var logLevel: String?

    @Option(
        name: .customLong("log-format"),
        help: "text (human) or json (one object per line). Env: HERALD_LOG_FORMAT. Default text.")
    var logFormat: String?

    @Option(
        name: .customLong("event-loops"),
        help: "Event loop threads serving HTTP and SSE. Env: HERALD_EVENT_LOOPS. Default: cores - 1, at least 1.")
    var eventLoops: Int?

    @Flag(help: "Serve the demo inbox page at / (on with --dev). Env: HERALD_DEMO=1.")
    var demo = false

    @Option(
        name: .customLong("demo-user"),
        help: "The user whose inbox the demo page shows. Env: HERALD_DEMO_USER. Default demo.")
    var demoUser: String?

    @Option(
        name: .customLong("cors-origin"),
        help:
            "An origin whose pages may call the API, the herald_token cookie included (repeatable; * for any page, with a token but not the cookie). Env: HERALD_CORS_ORIGINS (comma-separated)."
    )
    var corsOrigins: [String] = []

    @Option(
        name: .customLong("previous-token-secret"),
        help:
            "A former token secret whose tokens are still accepted until they expire (repeatable), to change the secret without signing users out. Env: HERALD_PREVIOUS_TOKEN_SECRET (one)."
    )
    var previousTokenSecrets: [String] = []

    @OptionGroup var secrets: SecretOptions

    func validate() throws {
        _ = try Self.logLevel(logLevel)
        _ = try Self.lineFormat(logFormat)
    }

    /// The flag's log format, else `HERALD_LOG_FORMAT`, else `text`.
    static func lineFormat(_ flag: String?) throws -> LineLogHandler.Format {
        let format = try Environment.resolve(flag, "HERALD_LOG_FORMAT", default: "text")
        guard let lineFormat = LineLogHandler.Format(rawValue: format) else {
            throw ValidationError("--log-format must be text or json")
        }
        return lineFormat
    }

    func run() async throws {
        let level = try Self.logLevel(logLevel)
        let lineFormat = try Self.lineFormat(logFormat)
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: lineFormat, logLevel: level) }
        let logger = Logger(label: "herald")
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Sub-millisecond buckets too: memcached and store calls take ~0.1 ms.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(DescribedMetricsFactory(base: factory, help: MetricHelp.texts))

        do {
            try await serve(logger: logger, registry: registry)
        } catch let error as ConfigurationError {
            logger.critical("\(error.message)")
            throw ExitCode(2)
        }
    }

    /// `host:port` as a URL or a log line writes it: an IPv6 address in brackets (`[::1]:8080`).
    static func hostAndPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The flag's commit sync, else `HERALD_SYNC`, else `normal`, in any case.
    static func commitSync(_ flag: String?) throws -> CommitSync {
        let name = try Environment.resolve(flag, "HERALD_SYNC", default: CommitSync.normal.rawValue)
        guard let sync = CommitSync(rawValue: name.lowercased()) else {
            throw ConfigurationError(message: "sync must be normal or full, not \(name)")
        }
        return sync
    }

    /// The flag's log level, else `HERALD_LOG_LEVEL`, else `info`, in any case; a name that is no
    /// level stops start-up (it once read as `info`, silently).
    static func logLevel(_ flag: String?) throws -> Logger.Level {
        let name = try Environment.resolve(flag, "HERALD_LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw ValidationError(
                "--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    /// Event loops unless told otherwise: one less than the cores (the SQLite writer's), at least 1.
    static var defaultEventLoops: Int { max(1, System.coreCount - 1) }
    /// The most event loops accepted.
    static let maximumEventLoops = 256

    /// The flag's event loop count, else `HERALD_EVENT_LOOPS`, else ``defaultEventLoops``.
    static func eventLoopCount(_ flag: Int?) throws -> Int {
        try bounded(
            flag, "HERALD_EVENT_LOOPS", default: defaultEventLoops, flagName: "event-loops", in: 1...maximumEventLoops)
    }

    /// The flag's number, else `variable`'s, else `fallback`, when it lies in `range`; else a
    /// start-up error naming the flag (`backlog must be between 1 and 65535`, `unit` after).
    static func bounded(
        _ flag: Int?, _ variable: String, default fallback: Int, flagName: String, in range: ClosedRange<Int>,
        unit: String = ""
    ) throws -> Int {
        let number = try Environment.resolve(flag, variable, default: fallback)
        guard range.contains(number) else {
            throw ConfigurationError(
                message: "\(flagName) must be between \(range.lowerBound) and \(range.upperBound)\(unit)")
        }
        return number
    }

    /// The longest duration a seconds flag takes: ten years, as for a notification's lifetime.
    /// Beyond it, milliseconds and memcached's expiry times would overflow.
    static let maximumSeconds = Int(NotificationDraft.maximumTTLSeconds)

    /// The flag's seconds, else `variable`'s, else `fallback`: `least` (0 or 1) to
    /// ``maximumSeconds``, or a start-up error naming the flag.
    static func seconds(
        _ flag: Int?, _ variable: String, default fallback: Int, flagName: String, least: Int
    ) throws -> Int {
        try bounded(flag, variable, default: fallback, flagName: flagName, in: least...maximumSeconds, unit: " seconds")
    }

    /// The largest per-user stream limit taken: more than a server holds files for.
    static let maximumStreamLimit = 1_000_000

    /// The flag's per-user stream limit, else `HERALD_MAX_STREAMS_PER_USER`, else
    /// ``HeraldServerSettings/defaultMaxStreamsPerUser``; 0 is no limit (nil).
    static func streamLimit(_ flag: Int?) throws -> Int? {
        let limit = try bounded(
            flag, "HERALD_MAX_STREAMS_PER_USER", default: HeraldServerSettings.defaultMaxStreamsPerUser,
            flagName: "max-streams-per-user", in: 0...maximumStreamLimit)
        return limit == 0 ? nil : limit
    }

    /// The largest listen backlog taken: Linux caps it at `net.core.somaxconn` anyway.
    static let maximumBacklog = 65_535

    /// The flag's listen backlog, else `HERALD_BACKLOG`, else 4,096 (Linux's `somaxconn` since
    /// 5.4). Hummingbird's 256 overflowed when streams reconnect all at once, as they do after a
    /// restart: 3,000 opened together overflowed it 426-1,339 times (each a SYN resent a second
    /// later), 4,096 never.
    static func backlogLength(_ flag: Int?) throws -> Int {
        try bounded(flag, "HERALD_BACKLOG", default: 4096, flagName: "backlog", in: 1...maximumBacklog)
    }

    /// The flag's memcached key prefix, else `HERALD_CACHE_PREFIX`, else `herald`: 1 to
    /// ``CacheHealth/maximumKeyPrefixLength`` characters from `[A-Za-z0-9._:-]`.
    static func cacheKeyPrefix(_ flag: String?) throws -> String {
        let prefix = try Environment.resolve(flag, "HERALD_CACHE_PREFIX", default: "herald")
        // An identifier's characters less `@`, and a shorter bound.
        guard Identifier.isValid(prefix), !prefix.utf8.contains(UInt8(ascii: "@")),
            prefix.utf8.count <= CacheHealth.maximumKeyPrefixLength
        else {
            throw ConfigurationError(
                message: "cache-prefix must be 1-\(CacheHealth.maximumKeyPrefixLength) characters from [A-Za-z0-9._:-]")
        }
        return prefix
    }

    /// The flag's origins, else `HERALD_CORS_ORIGINS`; each `*` or `scheme://host[:port]`.
    static func corsOrigins(_ flags: [String]) throws -> [String] {
        let origins =
            flags.isEmpty
            ? (Environment.value("HERALD_CORS_ORIGINS") ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty } : flags
        for origin in origins where origin != "*" {
            let valid =
                (origin.hasPrefix("http://") || origin.hasPrefix("https://")) && !origin.hasSuffix("/")
                && origin.split(separator: "/").count == 2
            guard valid else {
                throw ConfigurationError(
                    message: "--cors-origin \(origin): expected * or scheme://host[:port] (no path, no trailing /)")
            }
        }
        return origins
    }

    static func authenticator(
        apiKeys: [String], tokenSecret: String, previousTokenSecrets: [String] = [], pageOrigins: [String] = [],
        revocations: TokenRevocations = TokenRevocations()
    ) async throws -> Authenticator {
        do {
            return try await Authenticator(
                apiKeys: apiKeys, tokenSecret: tokenSecret, previousTokenSecrets: previousTokenSecrets,
                pageOrigins: pageOrigins, revocations: revocations)
        } catch {
            throw ConfigurationError(message: "HERALD_TOKEN_SECRET/--token-secret: \(error.message)")
        }
    }

    /// The flags' previous token secrets, else `HERALD_PREVIOUS_TOKEN_SECRET` (one: a secret may
    /// hold a comma), else none; each as long as a token secret must be.
    static func previousTokenSecrets(_ flags: [String]) throws -> [String] {
        let secrets = flags.isEmpty ? Environment.value("HERALD_PREVIOUS_TOKEN_SECRET").map { [$0] } ?? [] : flags
        do {
            for secret in secrets { try Authenticator.checkLength(of: secret, Authenticator.previousSecretName) }
        } catch {
            throw ConfigurationError(message: "HERALD_PREVIOUS_TOKEN_SECRET/--previous-token-secret: \(error.message)")
        }
        return secrets
    }

    private func serve(logger: Logger, registry: PrometheusCollectorRegistry) async throws {
        var settings = HeraldServerSettings(
            host: try Environment.resolve(host, "HERALD_HOST", default: "127.0.0.1"),
            port: try Environment.resolve(port, "HERALD_PORT", default: 8080),
            heartbeatSeconds: try Self.seconds(
                heartbeat, "HERALD_HEARTBEAT", default: 15, flagName: "heartbeat", least: 1))
        let isDev = try secrets.isDev()
        let demoVariable = try Environment.flag("HERALD_DEMO")
        if demo || isDev || demoVariable {
            let user = try Environment.resolve(demoUser, "HERALD_DEMO_USER", default: "demo")
            do {
                try Identifier.validate(user, what: "demo user")
            } catch {
                throw ConfigurationError(message: "--demo-user: \(error.message)")
            }
            settings.demoUser = user
        }
        settings.corsOrigins = try Self.corsOrigins(corsOrigins)
        let loopCount = try Self.eventLoopCount(eventLoops)
        guard (1...65535).contains(settings.port) else { throw ConfigurationError(message: "port must be 1-65535") }
        let idleSeconds = try Self.seconds(
            idleTimeout, "HERALD_IDLE_TIMEOUT", default: 75, flagName: "idle-timeout", least: 0)
        settings.idleTimeout = idleSeconds == 0 ? nil : .seconds(idleSeconds)
        settings.maxStreamsPerUser = try Self.streamLimit(maxStreamsPerUser)
        let backlogLength = try Self.backlogLength(backlog)
        let core = HeraldConfiguration(
            defaultTTLSeconds: Int64(
                try Self.seconds(
                    defaultTTL, "HERALD_DEFAULT_TTL", default: 2_592_000, flagName: "default-ttl", least: 1)),
            eventRetentionSeconds: Int64(
                try Self.seconds(
                    eventRetention, "HERALD_EVENT_RETENTION", default: 604_800, flagName: "event-retention", least: 1)),
            expiredRetentionSeconds: Int64(
                try Self.seconds(
                    expiredRetention, "HERALD_EXPIRED_RETENTION", default: 0, flagName: "expired-retention", least: 0)))
        let cacheTTLSeconds = try Self.seconds(
            cacheTTL, "HERALD_CACHE_TTL", default: 86_400, flagName: "cache-ttl", least: 1)
        let auditSeconds = try Self.seconds(
            cacheAudit, "HERALD_CACHE_AUDIT", default: 10, flagName: "cache-audit", least: 0)
        let credentialFiles = try secrets.credentialFiles()
        let apiKeys = try secrets.resolvedAPIKeys(printingTo: { logger.notice("\($0)") })
        for warning in SecretOptions.keyWarnings(apiKeys) { logger.warning("\(warning)") }
        let tokenSecrets = try secrets.resolvedTokenSecrets(printingTo: { logger.notice("\($0)") })
        let optionSecrets = try Self.previousTokenSecrets(previousTokenSecrets)
        let databasePath = try database.path()
        let commitSync = try Self.commitSync(sync)
        let memcachedList = try Environment.resolve(memcached, "HERALD_MEMCACHED", default: "127.0.0.1:11211")
        let memcachedServers: [MemcachedServer]
        do {
            memcachedServers = try MemcachedServer.parseList(memcachedList)
        } catch {
            throw ConfigurationError(message: "bad --memcached/HERALD_MEMCACHED: \(error.message)")
        }
        for server in MemcachedServer.repeated(in: memcachedServers) {
            logger.warning(
                "memcached server \(server) is listed more than once in --memcached/HERALD_MEMCACHED; it works, but a repeat is most likely another server's address mistyped: list each server once"
            )
        }

        Self.raiseOpenFileLimit(logger: logger)
        // Asked before the lock's file and the directories appear: a mistyped path starts afresh,
        // and the log says where.
        let isNewDatabase = !FileManager.default.fileExists(atPath: databasePath)
        // Held until the process ends (after the store has closed), so never released here.
        let databaseLock: DatabaseFileLock
        do {
            databaseLock = try DatabaseFileLock(path: databasePath)
        } catch {
            throw ConfigurationError(message: error.message)
        }
        let store: SQLiteStore
        do {
            // Opening migrates, and after a power loss moves every user's seq (0.5 s for 100,000
            // users): blocking work, on NIO's pool rather than Swift's cooperative one.
            store = try await NIOThreadPool.singleton.runIfActive {
                try SQLiteStore(path: databasePath, sync: commitSync)
            }
        } catch let error as DatabaseOpenError {
            throw ConfigurationError(message: "cannot open the database: \(error.message)")
        }
        if isNewDatabase {
            logger.notice("created a new database at \(URL(fileURLWithPath: databasePath).standardizedFileURL.path)")
        }
        if let recovery = store.powerLossRecovery {
            logger.warning(
                "the last run did not stop cleanly and the machine has started since: a power loss may have taken its last commits (at most \(recovery.margin) rows), so \(recovery.usersMoved) users' seqs moved \(recovery.margin) ahead, each with a reset event that has browsers refetch (\(recovery.milliseconds) ms)"
            )
        }
        let client = try MemcachedClient(configuration: .init(servers: memcachedServers))
        let cacheLogger = Logger(label: "herald.cache")
        let health = try await CacheHealth(
            client: client, generations: store,
            keyPrefix: try Self.cacheKeyPrefix(cachePrefix),
            logger: cacheLogger)
        let broker = InProcessBroker()
        let countsCache = MemcachedCountsCache(health: health, ttlSeconds: cacheTTLSeconds)
        let notificationCache = MemcachedNotificationCache(health: health, ttlSeconds: cacheTTLSeconds)
        let service = HeraldService(
            store: store, cache: countsCache,
            notificationCache: notificationCache,
            broker: broker, configuration: core, logger: logger)
        let hub = StreamHub()
        let revocations: TokenRevocations
        do {
            revocations = try await TokenRevocations.load(from: store)
        } catch {
            throw ConfigurationError(message: "cannot open the database: \(error.message)")
        }
        let auth = try await Self.authenticator(
            apiKeys: apiKeys, tokenSecret: tokenSecrets.current,
            previousTokenSecrets: optionSecrets + tokenSecrets.previous, pageOrigins: settings.corsOrigins,
            revocations: revocations)
        var services: [any Service] = []
        let audits: [any Service] =
            auditSeconds == 0
            ? []
            : [
                BackgroundTaskService(name: "counts-cache-audit") { [store] in
                    await CountsAudit(cache: countsCache, logger: cacheLogger)
                        .run(every: .seconds(auditSeconds)) { user in try await store.counts(user: user) }
                },
                BackgroundTaskService(name: "notification-cache-audit") { [store] in
                    await NotificationAudit(cache: notificationCache, logger: cacheLogger)
                        .run(every: .seconds(auditSeconds)) { user, id, now in
                            try await store.notification(user: user, id: id, now: now)
                        }
                },
            ]
        if !credentialFiles.isEmpty {
            let reloader = CredentialReloader(
                files: credentialFiles, apiKeys: apiKeys, tokenSecrets: tokenSecrets,
                previousFromOptions: optionSecrets, auth: auth, hub: hub, logger: logger)
            // Trapped from here on, only where there are files to read again: otherwise SIGHUP
            // still ends the process, as when the terminal `herald serve --dev` runs in closes.
            let hangUps = await UnixSignalsSequence(trapping: .sighup)
            services.append(BackgroundTaskService(name: "credential-reload") { await reloader.run(on: hangUps) })
        }
        let routes = HeraldRoutes(
            service: service,
            auth: auth,
            hub: hub,
            metrics: HeraldMetrics(registry: registry, databasePath: databasePath), settings: settings)
        // The SQLite writer is one busy thread under writes, and every durable write wakes it and
        // then the event loops: with as many loops as cores they contend with it for the cores (on
        // two cores, one loop took 7-10% less CPU per count, create and fan-out event than two;
        // bench/HISTORY.md, *One event loop fewer than the cores*).
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: loopCount)
        let address = "http://\(Self.hostAndPort(settings.host, settings.port))"
        let demoUser = settings.demoUser
        // The page's token comes from `GET /demo/session`, which asks for no credentials: beyond
        // the machine itself, whoever reaches the server reads and changes that user's inbox.
        let demoReachesBeyondThisMachine = !["127.0.0.1", "::1", "localhost"].contains(settings.host)
        let serverName = "herald"
        let listen = ListenFailure()
        let app = Application(
            responder: try routes.responder(),
            server: routes.server(serverName: serverName, fastPath: logger.logLevel > .debug, logger: logger),
            configuration: .init(
                address: .hostname(settings.host, port: settings.port), serverName: serverName, backlog: backlogLength),
            onServerRunning: { _ in
                listen.markListening()
                logger.info("herald \(HeraldVersion.current) ready, listening on \(address)")
                if let demoUser {
                    logger.notice("demo inbox: \(address)/")
                    if demoReachesBeyondThisMachine {
                        logger.warning(
                            """
                            the demo inbox gives whoever reaches \(address) a token for the user \(demoUser) \
                            (GET /demo/session): serve it only on a trusted network, and never for a real user
                            """)
                    }
                }
            },
            eventLoopGroupProvider: .shared(loops),
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    BackgroundTaskService(name: "cache-probe") { await health.runProbe() },
                    BackgroundTaskService(name: "maintenance") { await service.runMaintenance() },
                    app,
                    StreamHubService(hub: hub, broker: broker),
                ] + audits + services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            throw listen.startupError(error, host: settings.host, port: settings.port) ?? error
        }
        broker.shutdown()
        await client.shutdown()
        try await loops.shutdownGracefully()
        do {
            try await store.stopCleanly()
            // The last connection's close copies the WAL into the file and deletes it: a stopped
            // server's database is its one file (copied alone, it has every commit).
            try await store.close()
        } catch {
            logger.error("the database did not close cleanly: \(error)")
        }
        logger.info("herald stopped")
        withExtendedLifetime(databaseLock) {}
    }

    /// Every connection holds a file, and shells and containers often start with a soft limit of
    /// 1,024 far below the hard one: raised to the hard limit (at most 2^20), as nginx's
    /// `worker_rlimit_nofile` and Go's runtime do; a limit still low is said, since at it new connections wait unaccepted
    /// with nothing logged.
    private static func raiseOpenFileLimit(logger: Logger) {
        let files = OpenFiles.raiseLimit()
        if files.after > files.before {
            logger.info("open-file limit raised from \(files.before) to \(files.after)")
        }
        if files.after < 4096 {
            logger.notice(
                "open-file limit is \(files.after): at most about that many connections and SSE streams at once; raise the hard limit (ulimit -Hn, systemd LimitNOFILE=, docker ulimits nofile)"
            )
        }
    }
}
