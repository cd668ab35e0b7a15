package bots

import (
	"errors"

	"github.com/parley-chat/parley/channels"
)

// slackError is an error in Slack's words: the string clients branch on.
type slackError struct {
	code       string
	needed     string // the scope a missing_scope call lacked
	retryAfter int    // seconds, for ratelimited
}

func (e *slackError) Error() string { return e.code }

// slackFail returns the Slack error code.
func slackFail(code string) error { return &slackError{code: code} }

// coreCodes maps the core's error codes to Slack's.
var coreCodes = map[string]string{
	"channel_not_found":    "channel_not_found",
	"not_in_channel":       "not_in_channel",
	"channel_archived":     "is_archived",
	"message_not_found":    "message_not_found",
	"thread_not_found":     "thread_not_found",
	"text_too_long":        "msg_too_long",
	"empty_message":        "no_text",
	"invalid_attachments":  "invalid_attachments",
	"too_many_attachments": "too_many_attachments",
	"invalid_blocks":       "invalid_blocks",
	"too_many_blocks":      "invalid_blocks",
	"user_not_found":       "user_not_found",
	"user_deactivated":     "user_disabled",
	"account_deactivated":  "account_inactive",
	"name_taken":           "name_taken",
	"invalid_name":         "invalid_name",
	"invalid_emoji":        "invalid_name",
	"too_many_reactions":   "too_many_reactions",
	"file_not_found":       "file_not_found",
	"file_too_large":       "file_too_large",
	"too_many_users":       "too_many_users",
	"too_many_files":       "too_many_files",
	"invalid_token":        "invalid_auth",
	"not_authenticated":    "not_authed",
	"missing_scope":        "missing_scope",
	"not_author":           "cant_update_message",
	"rate_limited":         "ratelimited",
}

// toSlack turns any error into a Slack error: our own pass through, the
// core's are translated, anything unknown is internal_error.
func toSlack(err error) *slackError {
	var se *slackError
	if errors.As(err, &se) {
		return se
	}
	he := channels.ToHTTP(err)
	if code, ok := coreCodes[he.Code]; ok {
		e := &slackError{code: code}
		if code == "missing_scope" {
			// A bot with chat:write posting where it is not a member is
			// told so, as Slack tells it; the core names the scope that
			// would allow it.
			if he.Field == channels.ScopeChatWritePublic {
				return &slackError{code: "not_in_channel"}
			}
			e.needed = he.Field
		}
		return e
	}
	switch {
	case errors.Is(err, channels.ErrRateLimited):
		return &slackError{code: "ratelimited"}
	case errors.Is(err, channels.ErrUnauthenticated):
		return &slackError{code: "invalid_auth"}
	case errors.Is(err, channels.ErrNotFound):
		return &slackError{code: he.Code}
	case errors.Is(err, channels.ErrForbidden):
		return &slackError{code: "restricted_action"}
	case errors.Is(err, channels.ErrConflict):
		return &slackError{code: he.Code}
	case errors.Is(err, channels.ErrTooLarge):
		return &slackError{code: "request_too_large"}
	}
	var in *channels.InputError
	if errors.As(err, &in) {
		return &slackError{code: "invalid_arguments"}
	}
	return &slackError{code: "internal_error"}
}

// renamed gives an error of the core a method-specific Slack code: the
// same "not the author" is cant_update_message in chat.update and
// cant_delete_message in chat.delete.
func renamed(err error, coreCode, slackCode string) error {
	if err == nil {
		return nil
	}
	if channels.ToHTTP(err).Code == coreCode {
		return slackFail(slackCode)
	}
	return err
}
