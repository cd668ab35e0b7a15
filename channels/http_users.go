package channels

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// session is the response of sign-up and login.
type session struct {
	User      *User  `json:"user"`
	Token     string `json:"token"`
	CSRFToken string `json:"csrf_token"`
}

func (h *Handler) signup(c *gin.Context) error {
	var in SignupInput
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	u, token, err := h.svc.Signup(c.Request.Context(), in)
	if err != nil {
		return err
	}
	h.setSessionCookies(c, token, h.svc.opts.SessionTTL)
	c.JSON(http.StatusCreated, session{User: u, Token: token, CSRFToken: CSRFToken(token)})
	return nil
}

func (h *Handler) login(c *gin.Context) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	u, token, err := h.svc.Login(c.Request.Context(), in.Username, in.Password)
	if err != nil {
		return err
	}
	h.setSessionCookies(c, token, h.svc.opts.SessionTTL)
	c.JSON(http.StatusOK, session{User: u, Token: token, CSRFToken: CSRFToken(token)})
	return nil
}

func (h *Handler) logout(c *gin.Context) error {
	if err := h.svc.Logout(c.Request.Context(), ActorFrom(c)); err != nil {
		return err
	}
	h.setSessionCookies(c, "", -time.Second)
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) createInvite(c *gin.Context) error {
	var in struct {
		ExpiresIn int64 `json:"expires_in"` // seconds
	}
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	inv, err := h.svc.CreateInvite(c.Request.Context(), ActorFrom(c), time.Duration(in.ExpiresIn)*time.Second)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, inv)
	return nil
}

// visibleUser hides a user's e-mail from everyone but the user and admins,
// and adds their presence.
func (h *Handler) visibleUser(actor *Actor, u User) User {
	switch {
	case actor.ID == u.ID:
	case actor.Scopes != nil: // a bot token: only with users:read.email
		if !actor.Can(ScopeUsersReadEmail) {
			u.Email = ""
		}
	case !actor.IsAdmin:
		u.Email = ""
	}
	if h.svc.hooks.PresenceOf != nil {
		u.Presence = h.svc.hooks.PresenceOf(&u)
	}
	return u
}

func (h *Handler) listUsers(c *gin.Context) error {
	if err := RequireScope(ActorFrom(c), ScopeUsersRead); err != nil {
		return err
	}
	p, err := h.page(c, false)
	if err != nil {
		return err
	}
	limit := p.limit()
	users, err := h.svc.Users(c.Request.Context(), p.After, limit+1)
	if err != nil {
		return err
	}
	actor := ActorFrom(c)
	for i := range users {
		users[i] = h.visibleUser(actor, users[i])
	}
	c.JSON(http.StatusOK, forwardList(users, limit, userID))
	return nil
}

func (h *Handler) me(c *gin.Context) error {
	actor := ActorFrom(c)
	c.JSON(http.StatusOK, h.visibleUser(actor, actor.User))
	return nil
}

func (h *Handler) updateMe(c *gin.Context) error {
	var p ProfilePatch
	if err := h.DecodeJSON(c, &p); err != nil {
		return err
	}
	actor := ActorFrom(c)
	u, err := h.svc.UpdateProfile(c.Request.Context(), actor, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, h.visibleUser(actor, *u))
	return nil
}

func (h *Handler) getUser(c *gin.Context) error {
	if err := RequireScope(ActorFrom(c), ScopeUsersRead); err != nil {
		return err
	}
	id, err := PathID(c, "id", "user")
	if err != nil {
		return err
	}
	u, err := h.svc.User(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, h.visibleUser(ActorFrom(c), *u))
	return nil
}

func (h *Handler) deactivateUser(c *gin.Context) error { return h.setActive(c, false) }
func (h *Handler) reactivateUser(c *gin.Context) error { return h.setActive(c, true) }

func (h *Handler) setActive(c *gin.Context, active bool) error {
	actor := ActorFrom(c)
	if !actor.IsAdmin {
		return Forbidden("admin_only", "only an admin can do that")
	}
	id, err := PathID(c, "id", "user")
	if err != nil {
		return err
	}
	u, err := h.svc.SetActive(c.Request.Context(), actor, id, active)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, u)
	return nil
}

// newToken is the response that shows a token's secret, once.
type newToken struct {
	*Token
	Secret string `json:"token"`
}

func (h *Handler) createToken(c *gin.Context) error {
	var in struct {
		Name      string `json:"name"`
		ExpiresIn int64  `json:"expires_in"` // seconds; 0 never expires
	}
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	t, secret, err := h.svc.CreateToken(c.Request.Context(), ActorFrom(c), in.Name, time.Duration(in.ExpiresIn)*time.Second)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, newToken{Token: t, Secret: secret})
	return nil
}

func (h *Handler) listTokens(c *gin.Context) error {
	tokens, err := h.svc.Tokens(c.Request.Context(), ActorFrom(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, List[Token]{Items: tokens})
	return nil
}

func (h *Handler) deleteToken(c *gin.Context) error {
	id, err := PathID(c, "id", "token")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteToken(c.Request.Context(), ActorFrom(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
