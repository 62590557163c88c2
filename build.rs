//! Generates the Spark Connect gRPC server trait.
//!
//! The message types come from `apache-spark-connect-proto`, which builds clients only; the server
//! side (`spark_connect_service_server::SparkConnectService`) is generated here from a method list,
//! so no .proto file lives in this repository. Routes and codec are wire-identical to a
//! protoc-generated server.

use tonic_build::manual::{Builder, Method, Service};

/// (RPC name, request type, response type, client streaming, server streaming), as in Spark's base.proto.
const RPCS: &[(&str, &str, &str, bool, bool)] = &[
    ("ExecutePlan", "ExecutePlanRequest", "ExecutePlanResponse", false, true),
    ("AnalyzePlan", "AnalyzePlanRequest", "AnalyzePlanResponse", false, false),
    ("Config", "ConfigRequest", "ConfigResponse", false, false),
    ("AddArtifacts", "AddArtifactsRequest", "AddArtifactsResponse", true, false),
    ("ArtifactStatus", "ArtifactStatusesRequest", "ArtifactStatusesResponse", false, false),
    ("Interrupt", "InterruptRequest", "InterruptResponse", false, false),
    ("ReattachExecute", "ReattachExecuteRequest", "ExecutePlanResponse", false, true),
    ("ReleaseExecute", "ReleaseExecuteRequest", "ReleaseExecuteResponse", false, false),
    ("ReleaseSession", "ReleaseSessionRequest", "ReleaseSessionResponse", false, false),
    ("FetchErrorDetails", "FetchErrorDetailsRequest", "FetchErrorDetailsResponse", false, false),
    ("CloneSession", "CloneSessionRequest", "CloneSessionResponse", false, false),
    ("GetStatus", "GetStatusRequest", "GetStatusResponse", false, false),
];

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn main() {
    let mut service = Service::builder().name("SparkConnectService").package("spark.connect");
    for &(rpc, request, response, client_streaming, server_streaming) in RPCS {
        let mut method = Method::builder()
            .name(snake_case(rpc))
            .route_name(rpc)
            .input_type(format!("::spark_connect_proto::{request}"))
            .output_type(format!("::spark_connect_proto::{response}"))
            .codec_path("::tonic_prost::ProstCodec");
        if client_streaming {
            method = method.client_streaming();
        }
        if server_streaming {
            method = method.server_streaming();
        }
        service = service.method(method.build());
    }
    Builder::new().build_client(false).compile(&[service.build()]);
    println!("cargo:rerun-if-changed=build.rs");
}
