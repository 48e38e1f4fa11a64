#include "phrases.h"

#include <string.h>

/* For each fact, the first phrase in this order that occurs decides it. */
const struct mr_phrase mr_phrases[] = {
	/* Where the server's reply starts, after the MTA's own words. */
	{ " said: ", MR_STAGE_NONE, -1, MR_REPLY_AFTER },
	{ "refused to talk to me: ", MR_STAGE_GREETING, -1, MR_REPLY_AFTER },
	{ "remote mail server after ", MR_STAGE_NONE, -1, MR_REPLY_AFTER_COLON },
	/* Exchange: "Remote Server returned '554 5.7.1 <host #5.7.1 smtp;550 ...>'":
	 * the reply it returned comes first, the quoted DSN after. */
	{ "remote server returned '", MR_STAGE_NONE, -1, MR_REPLY_AFTER },
	/* Gmail relaying another server's refusal */
	{ "the error that the other server returned was:", MR_STAGE_NONE, -1,
		MR_REPLY_AFTER_BOILERPLATE },
	/* Gmail's delay notice: "There was a temporary problem delivering your
	 * message ... The response was: ..." */
	{ "the response was:", MR_STAGE_NONE, -1, MR_REPLY_AFTER_BOILERPLATE },
	{ "smtp;", MR_STAGE_NONE, -1, MR_REPLY_AFTER },
	{ "<<< ", MR_STAGE_NONE, -1, MR_REPLY_AFTER },
	/* Postfix: "(in reply to RCPT TO command)"; some quote it without "command". */
	{ "in reply to rcpt to", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "in reply to mail from", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "in reply to rcpt command", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "in reply to mail command", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "in reply to end of data", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "in reply to data", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "in reply to ehlo", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "in reply to helo", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "in reply to lhlo", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "in reply to starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "in reply to auth", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	/* Exim: "SMTP error from remote mail server after RCPT TO:<x>: 550 ..." */
	{ "after rcpt to:", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "after pipelined rcpt to:", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "after mail from:", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "after pipelined mail from:", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "after end of data", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "after pipelined end of data", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	/* Exim's own log: "rejected after DATA" is its ACL at the end of data */
	{ "rejected after data", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "after data", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "after pipelined data", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "after initial connection", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "after ehlo ", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "after helo ", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "after starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "after auth ", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	/* cPanel/Exim-style and other bounce texts: "SMTP error from remote
	 * server for RCPT TO command, host: x reason: 550 ..." */
	{ "for rcpt to command", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "for mail from command", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "for text command", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "after rcpt command", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	/* The receiving side's own log, quoted in reports: Postfix smtpd
	 * "NOQUEUE: reject: RCPT from x[ip]: 554 ..." (also milter-reject),
	 * Sendmail "ruleset=check_rcpt, ... reject=550 ..." */
	{ "reject: rcpt from", MR_STAGE_RCPT, -1, MR_REPLY_AFTER_COLON },
	{ "reject: mail from", MR_STAGE_MAIL, -1, MR_REPLY_AFTER_COLON },
	{ "reject: data from", MR_STAGE_DATA, -1, MR_REPLY_AFTER_COLON },
	{ "end-of-message", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR }, /* proxy-reject */
	{ "reject: end-of-message from", MR_STAGE_END_OF_DATA, -1, MR_REPLY_AFTER_COLON },
	{ "reject: connect from", MR_STAGE_CONNECT, -1, MR_REPLY_AFTER_COLON },
	{ "reject: ehlo from", MR_STAGE_HELO, -1, MR_REPLY_AFTER_COLON },
	{ "reject: helo from", MR_STAGE_HELO, -1, MR_REPLY_AFTER_COLON },
	{ "ruleset=check_rcpt", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "ruleset=check_mail", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "ruleset=check_relay", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },
	{ "smtp greeting", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	/* Commands before the greeting: postscreen, Exim */
	{ "pre-greeting", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "waiting for greeting", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	/* Exim: "Remote host closed connection in response to initial connection" */
	{ "in response to initial connection", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "invalid greeting", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "incorrect greeting", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "greeting never received", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "helo/ehlo", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	/* Exim's own log: "H=host [ip] F=<x> rejected RCPT <y>: ..." */
	{ "rejected rcpt", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "rejected mail", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "rejected connection", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },
	{ "rejected ehlo or helo", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	/* The receiving side's own words about a command */
	{ "helo command rejected", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "data command rejected", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "rejected command 'data'", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "rejected command 'rcpt to", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "rejected command 'mail from", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	/* SMTP client libraries (PHPMailer, Symfony/Laravel, Nodemailer, ...) */
	{ "failed to set sender", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "failed to issue mail command", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "mail from command failed", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	/* PHPMailer, with its colon: Gmail's "Delivery to the following
	 * recipients failed permanently" says nothing of the stage. */
	{ "the following recipients failed:", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	/* "550 5.1.1 <x>... User Unknown in RCPT TO" */
	{ "in rcpt to", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "smtpsenderrefused", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "smtprecipientsrefused", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "data command failed", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	/* Symfony/SwiftMailer: "Expected response code 354 but got code ..." */
	{ "expected response code 354", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "expected response code 250/251/252", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "expected response code 220", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	/* Symfony Mailer quotes the codes: Expected response code "250" ... */
	{ "expected response code \"354\"", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "expected response code \"220\"", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "expected response code \"250/251/252\"", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	/* Ruby Net::SMTP after DATA: "could not get 3xx (421: ...)" */
	{ "could not get 3xx", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	/* Nodemailer's error object names the command: "command": "RCPT TO" */
	{ "\"command\": \"rcpt to\"", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "\"command\": \"mail from\"", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "\"command\": \"auth", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	{ "\"command\": \"conn\"", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },
	{ "\"command\":\"rcpt to\"", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "\"command\":\"mail from\"", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "\"command\":\"auth", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	{ "\"command\":\"conn\"", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },
	/* PHPMailer's debug output: "SMTP -> ERROR: AUTH not accepted from server" */
	{ "auth not accepted from server", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	/* Coremail and Aliyun name the step: "Reject by behaviour spam at DATA State" */
	{ "at data state", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "at rcpt state", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "at mail state", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "smtpaddressfailedexception", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },   /* Jakarta Mail */
	{ "smtpsenderfailedexception", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },    /* Jakarta Mail */
	{ "all recipients were rejected", MR_STAGE_RCPT, -1, MR_NO_ANCHOR }, /* Nodemailer */
	{ "rcpt to not accepted", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "the rcpt to command", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "rcpt error", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },   /* maddy */
	{ "data error {", MR_STAGE_DATA, -1, MR_NO_ANCHOR }, /* maddy: "DATA error {...}" */
	{ "did not accept starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	/* Outlook: "... one of the recipients was rejected by the server" */
	{ "recipients was rejected by the server", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "server rejected the sender's", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "dial tcp", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },    /* Go */
	{ "opentimeout", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR }, /* Ruby */
	{ "tls error from", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "mail from failed", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "mail command failed", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "failed to add recipient", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "\"rcpt to:", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },   /* OpenSMTPD: "RCPT TO:<x>" => 451 */
	{ "\"mail from:", MR_STAGE_MAIL, -1, MR_NO_ANCHOR }, /* the same for MAIL FROM */
	/* Exim: "AUTH command used when not advertised" */
	{ "auth command used", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	/* "refused to accept your message (DATA), with the following error" */
	{ "your message (data)", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "command=\"data\"", MR_STAGE_DATA, -1, MR_NO_ANCHOR }, /* OpenSMTPD's event log */
	{ "[rcpt_to]", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },        /* Amazon SES */
	{ "failed to set the to address", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "rcpt to command failed", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "data end command failed", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "data not accepted", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "upgrading connection with starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "starttls command failed", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "ssl_connect", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "ssl negotiation", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "sasl authentication failed", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	{ "sasl login authentication failed", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	{ "able to establish an smtp connection", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR }, /* qmail */
	{ "tls library problem", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	/* Client libraries: OpenSSL's error queue, Go's and Java's certificate and
	 * handshake errors, MailKit, PHP, Python: each fails in the TLS handshake. */
	/* Exim: "TLS session: (certificate verification failed)", "SSL verify error",
	 * "failure while setting up TLS session", "TLS error on connection" */
	{ "tls session", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "ssl verify error", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "tls error on connection", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "ssl routines", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "x509:", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "sslhandshakeexception", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "convert socket to tls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "establish an ssl or tls connection", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "match the server certificate", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "not match with the server certificate", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "cert's altnames", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "certificate's altnames", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "does not look like a tls handshake", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "starttls extension not supported", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "does not support the starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "host does not support starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "using starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "auth extension not supported", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	/* Node, PHP and Go clients naming the connection or the greeting */
	{ "connect econnrefused", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "connect etimedout", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "connect eacces", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },
	{ "could not be established with host", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },
	{ "server greeting", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "bad greeting", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	{ "(ehlo)", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "(helo)", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "helo syntax", MR_STAGE_HELO, -1, MR_NO_ANCHOR }, /* "501 HELO syntax error" */
	{ "helo before mail", MR_STAGE_MAIL, -1,
		MR_NO_ANCHOR },                              /* "503 Use EHLO/HELO before MAIL" */
	{ "ehlo invalid", MR_STAGE_HELO, -1, MR_NO_ANCHOR }, /* "501 EHLO Invalid domain address" */
	{ "rcpt to address", MR_STAGE_RCPT, -1, MR_NO_ANCHOR }, /* "501 Invalid RCPT TO address" */
	{ "mailsmtp_rcpt", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },   /* libetpan */
	/* Exchange Online: "rejected command 'BDAT 39278 LAST'": the last chunk ends the data */
	{ "rejected command 'bdat", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "ehlo command failed", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	/* Sendmail: ">>> RCPT To:<x>" then "<<< 550 ..." */
	{ ">>> rcpt to:", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ ">>> mail from:", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ ">>> data", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ ">>> ehlo ", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ ">>> helo ", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ ">>> starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	/* qmail: "... failed after I sent the message. Remote host said: ..." */
	{ "failed after i sent the message", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "does not like recipient", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "does not like sender", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "but sender was rejected", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "but my name was rejected", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "but greeting failed", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	/* DragonFly dma: "... did not like our final DATA: 550 ..." */
	{ "did not like our final data", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "did not like our rcpt to", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "did not like our mail from", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	/* Postfix's own errors: "lost connection with X while sending RCPT TO" */
	{ "while receiving the initial server greeting", MR_STAGE_GREETING, 1, MR_NO_ANCHOR },
	{ "while performing the ehlo handshake", MR_STAGE_HELO, 1, MR_NO_ANCHOR },
	{ "while performing the helo handshake", MR_STAGE_HELO, 1, MR_NO_ANCHOR },
	{ "while performing the lhlo handshake", MR_STAGE_HELO, 1, MR_NO_ANCHOR },
	{ "while performing the tls handshake", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR },
	{ "while sending mail from", MR_STAGE_MAIL, 1, MR_NO_ANCHOR },
	{ "while sending rcpt to", MR_STAGE_RCPT, 1, MR_NO_ANCHOR },
	{ "while sending data command", MR_STAGE_DATA, 1, MR_NO_ANCHOR },
	{ "while sending message content", MR_STAGE_DATA, 1, MR_NO_ANCHOR },
	{ "while sending message body", MR_STAGE_DATA, 1, MR_NO_ANCHOR },
	{ "while sending end of data", MR_STAGE_END_OF_DATA, 1, MR_NO_ANCHOR },
	{ "cannot start tls", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR },
	{ "tls is required, but", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR },
	{ "server certificate not trusted", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR },
	{ "server certificate not verified", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR },
	{ "tls handshake failed", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR },
	/* Gmail's own bounce: "The recipient server did not accept our requests
	 * to connect. ... [host: Connection timed out]" */
	{ "did not accept our requests to connect", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },
	{ "connect to ", MR_STAGE_CONNECT, -1, MR_NO_ANCHOR },
	{ "connection refused", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "connection timed out with", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR }, /* Sendmail */
	{ "connection timed out", MR_STAGE_NONE, 1, MR_NO_ANCHOR }, /* at connect or later */
	{ "no route to host", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "network is unreachable", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	/* RFC 5321's names for the two addresses: the forward-path is RCPT
	 * TO's, the reverse-path MAIL FROM's. */
	{ "forward path", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "forward-path", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "reverse path", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "reverse-path", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "invalid helo", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	/* 1&1/GMX/web.de refuse a client in their banner */
	{ "nemesis esmtp service not available", MR_STAGE_GREETING, -1, MR_NO_ANCHOR },
	/* Nodemailer: "Connection timeout" while connecting */
	{ "connection timeout", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "tls connect failed", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR }, /* qmail-remote TLS */
	/* Windows (WSAETIMEDOUT): "A connection attempt failed because the
	 * connected party did not properly respond ..." */
	{ "connection attempt failed", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	/* TLS libraries: "HandshakeFailed", "SSL handshake failed" */
	{ "handshakefailed", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR },
	{ "handshake failed", MR_STAGE_STARTTLS, 1, MR_NO_ANCHOR },
	{ "sender refused", MR_STAGE_MAIL, -1, MR_NO_ANCHOR }, /* Python smtplib */
	/* PEAR Net_SMTP: the reply to the message's final dot */
	{ "failed to send data", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	/* amavisd-new: "Negative SMTP response to data-dot" */
	{ "data-dot", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	/* The command quoted in its reply ("550 RCPT TO:<x> User unknown",
	 * "501 Syntax: RCPT TO:<address>"), when nothing more telling names the
	 * stage. Not MAIL FROM:<>: replies quote it when explaining callouts. */
	{ "rcpt to:", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "smtp:rcpt", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "failed connect", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "connection to mail exchanger", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "could not initiate smtp conversation", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR }, /* Gmail */
	/* The command, from words clients and servers use for it. */
	{ "recipient syntax error", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "recipients per hour", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "recipients received this hour", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "recipient callout", MR_STAGE_RCPT, -1, MR_NO_ANCHOR }, /* Exim */
	{ "acl for rcpt", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },      /* Exim */
	{ "mail from refused", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "mail from invalid", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "helohost", MR_STAGE_HELO, -1, MR_NO_ANCHOR }, /* "555 helohost error" */
	/* Tencent (QQ/Exmail): "DOT: Host x DOT said 550 ...", the final dot */
	{ "dot said", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	{ "originator not accepted", MR_STAGE_MAIL, -1, MR_NO_ANCHOR },
	{ "no banner", MR_STAGE_GREETING, 1, MR_NO_ANCHOR },
	{ "no data response", MR_STAGE_DATA, 1, MR_NO_ANCHOR },
	{ "sent via data", MR_STAGE_DATA, -1, MR_NO_ANCHOR }, /* Exchange */
	/* Sendmail's answer to a HELO naming the server itself */
	{ "mail loops back to me", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "failed to connect", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "error when connecting", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "connection was not attempted", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "connection timed out to", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "concurrent server connections", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "concurrency limit", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "tls negotiation failed", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR }, /* Exchange */
	{ "starttls error", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "tls handshake", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "certificate verification failed", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "certificate is expired", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "dane validation", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "tlsa-invalid", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "certificate-host-mismatch", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "starttls-not-supported", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "must support tls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "tls 1.0 and 1.1", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	/* Momentum's (SparkPost's) own failures ("451 4.7.5 [internal] no tls
	 * go-ahead") name the step it was at: a wrapper's words, not the reply's */
	{ "tls go-ahead", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "send starttls", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "rcpt to response", MR_STAGE_RCPT, 1, MR_NO_ANCHOR },
	{ "mail from response", MR_STAGE_MAIL, 1, MR_NO_ANCHOR },
	{ "unable to make any connections", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	/* Client libraries' and applications' words for the step that failed */
	{ "smtp connect() failed", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },         /* PHPMailer */
	{ "unknown smtp host", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },             /* Jakarta Mail */
	{ "smtp-ssl connection to", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },        /* Delta Chat */
	{ "stream_socket_enable_crypto", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR }, /* PHP */
	{ "via the starttls command", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },    /* msmtp */
	{ "remote party has closed the transport stream", MR_STAGE_STARTTLS, -1,
		MR_NO_ANCHOR }, /* .NET SslStream */
	{ "issuer certificate", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "handshake failure", MR_STAGE_STARTTLS, -1, MR_NO_ANCHOR },
	{ "sent_ehlo", MR_STAGE_HELO, -1, MR_NO_ANCHOR }, /* "Unspecified Error (SENT_EHLO)" */
	{ "ehlo failed", MR_STAGE_HELO, -1, MR_NO_ANCHOR },
	{ "smtpauthenticationerror", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },     /* Ruby Net::SMTP */
	{ "mailauthenticationexception", MR_STAGE_AUTH, -1, MR_NO_ANCHOR }, /* Spring */
	{ "on command 'auth'", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },           /* emailjs */
	{ "form of authorization", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },       /* emailjs */
	{ "smtp-auth requested", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },         /* Ruby mail */
	{ "compatible authentication mechanism", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	{ "secure authentication method", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },  /* msmtp */
	{ "support authentication method", MR_STAGE_AUTH, -1, MR_NO_ANCHOR }, /* msmtp */
	{ "auth login failed", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	{ "sasl plain authentication failed", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	{ "sasl cram-md5 authentication failed", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },
	{ ">> mail from:", MR_STAGE_MAIL, -1, MR_NO_ANCHOR }, /* Symfony's log data */
	{ "failed to add to email address", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "rcpt to failed", MR_STAGE_RCPT, -1,
		MR_NO_ANCHOR }, /* "mx.example: RCPT TO failed: 5.1.1 ..." */
	{ ":auth_failed", MR_STAGE_AUTH, -1, MR_NO_ANCHOR }, /* Erlang gen_smtp */
	{ "failed to authenticate on smtp server", MR_STAGE_AUTH, -1,
		MR_NO_ANCHOR },                                  /* Swift Mailer, Symfony */
	{ "smtp auth failed", MR_STAGE_AUTH, -1, MR_NO_ANCHOR }, /* Go clients */
	{ "invalid login", MR_STAGE_AUTH, -1, MR_NO_ANCHOR },    /* nodemailer's AUTH failure */
	{ "smtp authentication failed", MR_STAGE_AUTH, -1, MR_NO_ANCHOR }, /* Go clients */
	{ "expecting rcpt arg", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },         /* Haraka */
	{ "recipient address not accepted", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "smtp data error", MR_STAGE_DATA, -1, MR_NO_ANCHOR },
	{ "dataend command failed", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR }, /* Net::SMTP */
	{ "(dataend)", MR_STAGE_END_OF_DATA, -1, MR_NO_ANCHOR },
	/* Clients that could not reach the server at all */
	{ "cannot open mailhub", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR }, /* ssmtp */
	{ "error connecting to smtp server", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "refused the connection", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR },
	{ "connection to tcp://", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR }, /* Swift Mailer */
	{ "actively refused", MR_STAGE_CONNECT, 1, MR_NO_ANCHOR }, /* Windows: WSAECONNREFUSED */
	/* Clients' and relays' own words for the command that failed */
	/* Russian "Ошибка RCPT TO" ("RCPT TO error"): without its first letter,
	 * as only ASCII letters are matched in either case. */
	{ "шибка rcpt to", MR_STAGE_RCPT, -1, MR_NO_ANCHOR },
	{ "failure reply of rcpt", MR_STAGE_RCPT, -1, MR_NO_ANCHOR }, /* Sina */
	/* Only whether it will be retried. */
	{ "host not found, try again", MR_STAGE_NONE, 1, MR_NO_ANCHOR },
	{ "loops back to myself", MR_STAGE_NONE, 0, MR_NO_ANCHOR },
	{ "host not found", MR_STAGE_NONE, 0, MR_NO_ANCHOR },
	{ "lost connection with", MR_STAGE_NONE, 1, MR_NO_ANCHOR },
	{ "timed out", MR_STAGE_NONE, 1, MR_NO_ANCHOR },
	{ "temporarily", MR_STAGE_NONE, 1, MR_NO_ANCHOR },
	{ "try again", MR_STAGE_NONE, 1, MR_NO_ANCHOR },
	{ "message expired", MR_STAGE_NONE, 0, MR_NO_ANCHOR },
};

const size_t mr_n_phrases = sizeof(mr_phrases) / sizeof(*mr_phrases);

void mr_phrases_add(struct mr_matcher *m, uint32_t first_id) {
	for (size_t i = 0; i < mr_n_phrases; i++) {
		mr_matcher_add(
			m, mr_phrases[i].text, strlen(mr_phrases[i].text), first_id + (uint32_t)i);
	}
}
