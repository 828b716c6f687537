import HeraldCore
import Hummingbird

extension Parameters {
    /// The value of query parameter `name`, nil when it is absent. A name given more than once is
    /// 400 `invalid_query`: which value counts would be a guess, and a proxy in front may have
    /// acted on another one.
    func onlyValue(of name: String) throws(HeraldError) -> Substring? {
        let values = self[values: Substring(name)]
        guard values.count <= 1 else { throw HeraldError(.invalidQuery, "\(name) is given more than once") }
        return values.first
    }
}
