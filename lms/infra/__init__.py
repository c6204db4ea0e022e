"""Infrastructure helpers with no domain of their own: the shared cache and its invalidation
registry, the cache backend, middleware, input validators, the registries through which the
apps extend the core's pages and page socket (panels, realtime), and GC settings."""
