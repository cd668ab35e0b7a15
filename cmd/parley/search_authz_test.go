package main

// authzSearchRoutes are the authorization matrix's rows for search (what a
// search finds is checked per caller in search_test.go) and the admin
// status.
func authzSearchRoutes() []authzRoute {
	return []authzRoute{
		{method: "GET", route: "/api/v1/search", none: authzAll("200"), path: fixedPath("/api/v1/search?q=hello")},
		{method: "GET", route: "/api/v1/admin/status", none: authzWants{"403 admin_only", "403 admin_only", "403 admin_only", "200"},
			path: fixedPath("/api/v1/admin/status")},
	}
}
