//! From a JSON-RPC request object to its answer: the request checked, its method looked
//! up in a table of the families that answer it, and the family's answer or error written
//! as JSON-RPC 2.0.

use super::*;

/// A family of methods: the names it answers and how.
struct Family {
    methods: &'static [&'static str],
    call:
        for<'a> fn(&'a Node, &'a str, &'a Value) -> futures_util::future::BoxFuture<'a, RpcResult>,
}

/// Every method the endpoint answers, by family.
const FAMILIES: &[Family] = &[
    Family {
        methods: accounts::METHODS,
        call: |node, method, params| Box::pin(accounts::call(node, method, params)),
    },
    Family {
        methods: blocks::METHODS,
        call: |node, method, params| Box::pin(blocks::call(node, method, params)),
    },
    Family {
        methods: send::METHODS,
        call: |node, method, params| Box::pin(send::call(node, method, params)),
    },
    Family {
        methods: tokens::METHODS,
        call: |node, method, params| Box::pin(tokens::call(node, method, params)),
    },
    Family {
        methods: fees::METHODS,
        call: |node, method, params| Box::pin(fees::call(node, method, params)),
    },
    Family {
        methods: cluster::METHODS,
        call: |node, method, params| Box::pin(cluster::call(node, method, params)),
    },
];

/// The names of every method the endpoint answers.
pub fn methods() -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|family| family.methods.iter().copied())
}

impl Node {
    /// The JSON-RPC response to one request object.
    pub(super) async fn respond(&self, request: &Value) -> Value {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let answer = match request_method(request) {
            Err(error) => Err(error),
            Ok(method) => self.handle(method, &request["params"]).await,
        };
        match answer {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
            Err(error) => json!({ "jsonrpc": "2.0", "id": id, "error": error.to_json() }),
        }
    }

    /// `method`'s answer to `params`.
    async fn handle(&self, method: &str, params: &Value) -> RpcResult {
        let family = FAMILIES
            .iter()
            .find(|family| family.methods.contains(&method))
            .ok_or_else(|| RpcError::method_not_found(method))?;
        // Positional parameters only, as the validator takes them for these methods.
        if !(params.is_null() || params.is_array()) {
            return Err(RpcError::invalid(
                "Invalid params: expected an array of parameters",
            ));
        }
        (family.call)(self, method, params).await
    }
}

/// The method of a JSON-RPC 2.0 request object; -32600, as a validator answers, for
/// anything else (no `jsonrpc: "2.0"`, no method name), before any method is looked up.
fn request_method(request: &Value) -> Result<&str, RpcError> {
    request["method"]
        .as_str()
        .filter(|_| request["jsonrpc"] == "2.0")
        .ok_or_else(|| RpcError::new(INVALID_REQUEST, "Invalid request"))
}
