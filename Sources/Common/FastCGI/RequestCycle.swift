/// The steps every request goes through, whatever carries it (FastCGI or CGI): check the
/// announced length, read the body, ask the responder, write, log, then run the after-work.
/// `readBody` reads up to n bytes (fewer at end of input); `drain` discards what is left.
struct RequestCycle: Sendable {
    let responder: Responder
    let maxBodyBytes: Int
    let logger: Logger

    func run(parameters: [String: String], readBody: (Int) -> [UInt8], drain: () -> Void,
             write: ([UInt8]) -> Void, finish: () -> Void) {
        let started = Timestamp.now()
        var reply: Reply
        var request = CGIParameters.request(from: parameters, body: [])
        if let length = CGIParameters.contentLength(parameters) {
            if length > maxBodyBytes {
                drain()
                reply = rejection(RequestBodyError.tooLarge(limit: maxBodyBytes))
            } else {
                request.body = readBody(length)
                if request.body.count < length {
                    reply = rejection(RequestBodyError.truncated(expected: length, received: request.body.count))
                } else {
                    reply = responder.respond(request)
                }
            }
        } else {
            drain()
            reply = rejection(RequestBodyError.invalidContentLength)
        }
        write(cgiResponseBytes(reply.response, includeBody: request.method != "HEAD"))
        finish()
        // An internal error is the operator's business whatever the log level; storage that is
        // away (503) deserves a warning; every other answer is routine.
        let status = reply.response.status
        logger.log(status == 503 ? .warn : status >= 500 ? .error : .info, "request", [
            ("method", .string(request.method)), ("path", .string(request.path)),
            ("status", .int(status)), ("ms", .double(started.millisecondsUntil(.now()))),
        ] + reply.logFields)
        reply.afterResponse?()
    }

    private func rejection(_ error: RequestBodyError) -> Reply {
        let (response, detail) = errorResponse(for: error)
        return Reply(response: response, logFields: [("error", .string(detail))])
    }
}
