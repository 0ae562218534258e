using Grpc.Core;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Identity;

/// <summary>The Certify endpoint: token → identity → CSR check → leaf. Each failure has its own gRPC status:
/// bad token → Unauthenticated, a token that names no workload or another identity → PermissionDenied, bad CSR →
/// InvalidArgument, token not checkable (TokenReview down) or CA not ready → Unavailable, too many requests →
/// ResourceExhausted.</summary>
internal sealed class IdentityService(IWorkloadTokenValidator tokens, IGrainFactory grains, Grains.Identity.IWorkloadCertificateIssuer ca)
    : Api.V1.Identity.IdentityBase
{
    public override async Task<CertifyResponse> Certify(CertifyRequest request, ServerCallContext context)
    {
        if (!SpiffeId.TryParse(request.Identity, out var requested))
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"identity '{request.Identity}' is not a SPIFFE id of the form spiffe://<trust-domain>/ns/<ns>/sa/<sa>"));
        if (requested.TrustDomain != ca.TrustDomain)
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"identity {request.Identity}: trust domain '{requested.TrustDomain}' is not this mesh's ('{ca.TrustDomain}')"));
        if (request.CertificateSigningRequest.IsEmpty)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "certificate_signing_request is empty"));

        var token = await tokens.ValidateAsync(request.Token, context.CancellationToken);
        if (!token.Valid)
            throw new RpcException(token.Failure switch
            {
                TokenFailure.NotAWorkload => new Status(StatusCode.PermissionDenied, $"token rejected: {token.Error}"),
                TokenFailure.Unavailable => new Status(StatusCode.Unavailable, $"token not checked: {token.Error}"),
                _ => new Status(StatusCode.Unauthenticated, $"token rejected: {token.Error}"),
            });
        if (token.Namespace != requested.Namespace || token.ServiceAccount != requested.ServiceAccount)
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"token is for {token.Namespace}/{token.ServiceAccount}, not {requested.Namespace}/{requested.ServiceAccount}"));

        var outcome = await grains.GetGrain<IIdentityGrain>(MeshNames.Key(requested.Namespace, requested.ServiceAccount))
            .CertifyAsync(request.CertificateSigningRequest.ToByteArray());
        return outcome.Error switch
        {
            CertifyError.None => ToResponse(outcome),
            CertifyError.InvalidCsr => throw new RpcException(new Status(StatusCode.InvalidArgument, outcome.Message ?? "invalid CSR")),
            CertifyError.IdentityMismatch => throw new RpcException(new Status(StatusCode.PermissionDenied, outcome.Message ?? "CSR names another identity")),
            CertifyError.CaUnavailable => throw new RpcException(new Status(StatusCode.Unavailable, outcome.Message ?? "CA not ready")),
            CertifyError.RateLimited => throw new RpcException(new Status(StatusCode.ResourceExhausted, outcome.Message ?? "too many requests")),
            _ => throw new RpcException(new Status(StatusCode.Internal, $"unexpected certify outcome {outcome.Error}")),
        };
    }

    private static CertifyResponse ToResponse(CertifyOutcome outcome)
    {
        var response = new CertifyResponse
        {
            LeafCertificate = Google.Protobuf.ByteString.CopyFrom(outcome.LeafDer),
            ValidUntilUnixMs = outcome.NotAfter.ToUnixTimeMilliseconds(),
        };
        foreach (var der in outcome.ChainDer)
            response.IntermediateCertificates.Add(Google.Protobuf.ByteString.CopyFrom(der));
        return response;
    }
}
