import Testing
@testable import Common

@Suite struct FormDecodingTests {
    @Test func extractsGitHubsPayloadField() {
        let body = Array("payload=%7B%22zen%22%3A%22a+b%22%7D&other=1".utf8)
        #expect(FormDecoding.value(named: "payload", in: body) == Array(#"{"zen":"a b"}"#.utf8))
        #expect(FormDecoding.value(named: "missing", in: body) == nil)
    }

    @Test func refusesMalformedEscapes() {
        #expect(FormDecoding.pairs(Array("a=%zz".utf8)) == nil)
        #expect(FormDecoding.pairs(Array("a=%4".utf8)) == nil)
    }

    @Test func readsQueryParametersFirstOccurrenceWins() {
        let parameters = FormDecoding.parameters("code=abc&installation_id=42&code=other&flag")
        #expect(parameters["code"] == "abc")
        #expect(parameters["installation_id"] == "42")
        #expect(parameters["flag"] == "")
    }

    @Test func mediaTypeIgnoresParametersAndCase() {
        #expect(mediaType(of: "Application/JSON; charset=utf-8") == "application/json")
        #expect(mediaType(of: "") == nil)
        #expect(mediaType(of: nil) == nil)
    }

    @Test func cgiParametersBecomeLowerCaseHeaders() {
        let request = CGIParameters.request(from: [
            "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/github/webhook", "QUERY_STRING": "a=1",
            "HTTP_X_GITHUB_EVENT": "push", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "2",
        ], body: [123, 125])
        #expect(request.method == "POST")
        #expect(request.path == "/github/webhook")
        #expect(request.header("X-GitHub-Event") == "push")
        #expect(request.header("content-type") == "application/json")
        #expect(CGIParameters.contentLength(["CONTENT_LENGTH": "12"]) == 12)
        #expect(CGIParameters.contentLength([:]) == 0)
        #expect(CGIParameters.contentLength(["CONTENT_LENGTH": "-1"]) == nil)
        #expect(CGIParameters.contentLength(["CONTENT_LENGTH": "99999999999999999999"]) == nil)
    }

    @Test func responsesCannotInjectHeaders() {
        let bytes = cgiResponseBytes(HTTPResponse(status: 200, headers: [("X-A", "a\r\nSet-Cookie: x=1")], body: [65]))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == "Status: 200 OK\r\nX-A: aSet-Cookie: x=1\r\nContent-Length: 1\r\n\r\nA")
    }
}
