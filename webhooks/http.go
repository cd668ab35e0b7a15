package webhooks

import "github.com/gin-gonic/gin"

// Routes of incoming webhooks: the management API on api (the /api/v1
// group) and the public hook URLs on root (the engine; the secret in the
// URL is the credential, so no authentication middleware).
func (h *IncomingHandler) Routes(root, api gin.IRouter) {
	a := api.Group("", h.core.RequireAuth)
	a.POST("/incoming-webhooks", h.handle(h.createIncoming))
	a.GET("/incoming-webhooks", h.handle(h.listIncoming))
	a.GET("/incoming-webhooks/:id", h.handle(h.getIncoming))
	a.PATCH("/incoming-webhooks/:id", h.handle(h.updateIncoming))
	a.DELETE("/incoming-webhooks/:id", h.handle(h.deleteIncoming))

	root.POST("/hooks/:secret", h.postHook)
}
