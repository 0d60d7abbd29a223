import Common
import Webhooks

extension FuzzCheck {
    /// The payload and the columns stored beside it, from any body: a JSON body and the same bytes
    /// sent as a form's `payload` field give the same outcome and the same summary; an accepted
    /// payload is an object.
    public static let payloadSummary = FuzzCheck(name: "payload-summary") { input in
        let direct = Result { () throws(IntakeError) in try WebhookPayload(body: input, encoding: .json) }
        let form = Array(("payload=" + percentEncodeAll(input)).utf8)
        let viaForm = Result { () throws(IntakeError) in try WebhookPayload(body: form, encoding: .form) }
        switch (direct, viaForm) {
        case (.success(let json), .success(let fromForm)):
            guard json.root.isObject else { return "accepted a payload that is not an object" }
            guard json.action == fromForm.action, json.installationID == fromForm.installationID,
                  json.repository == fromForm.repository, json.sender == fromForm.sender
            else { return "the form's summary differs from the JSON body's" }
            return nil
        case (.failure(let error), .failure(let formError)):
            return error == formError && error.status == 400 ? nil : "refused differently: \(error) / \(formError)"
        default:
            return "one encoding accepted what the other refused"
        }
    }
}
