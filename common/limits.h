/* Every size and time bound of agent-gateway, in one place. */
#ifndef AG_LIMITS_H
#define AG_LIMITS_H

/* Longest value a setting may hold (URLs and paths included). */
#define SETTING_VALUE_MAX 1024

/* Longest config file line; longer lines are an error, not truncated. */
#define CONFIG_LINE_MAX 4096

/* Longest target (path + query) sent to the agent or put in a Location.
 * Apache reads CGI header lines into MAX_STRING_LEN (8192) and parses the
 * rest of a longer line as a new header, so a Location line must stay
 * below that with room for "Location: " and the base URL. */
#define TARGET_MAX 7168

/* Longest Location line a program writes (name, value, CR LF). */
#define LOCATION_LINE_MAX 8190

/* Longest host name (RFC 1035 §2.3.4) and label. */
#define HOST_NAME_MAX_LEN 253
#define HOST_LABEL_MAX_LEN 63

/* Longest request method token the relay forwards. */
#define METHOD_MAX 32

/* Request body cgi-redirect reads and discards before answering (Apache
 * mod_cgid can lose the answer of a program that exits without reading
 * its body); beyond this it stops reading and answers anyway. */
#define REDIRECT_DRAIN_MAX (16L * 1024 * 1024)

/* Logged request URIs are escaped and cut to this many bytes. */
#define LOG_URI_MAX 512

#endif
