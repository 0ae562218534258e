using Google.Protobuf;
using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>Identity.Certify backed by a real Mesh.Identity certificate authority; accepts one token.</summary>
public sealed class FakeIdentityService(FakeDiscoveryServer server) : Api.V1.Identity.IdentityBase
{
    public override Task<CertifyResponse> Certify(CertifyRequest request, ServerCallContext context)
    {
        var ca = server.Ca ?? throw new RpcException(new Status(StatusCode.Unavailable, "no CA configured"));
        if (request.Token != server.Token) throw new RpcException(new Status(StatusCode.Unauthenticated, "wrong token"));
        var issued = ca.IssueLeafOrThrow(request.CertificateSigningRequest.Span, SpiffeId.Parse(request.Identity));
        var response = new CertifyResponse
        {
            LeafCertificate = ByteString.CopyFrom(issued.Leaf.RawData),
            ValidUntilUnixMs = issued.NotAfter.ToUnixTimeMilliseconds(),
        };
        response.IntermediateCertificates.AddRange(issued.Intermediates.Select(c => ByteString.CopyFrom(c.RawData)));
        return Task.FromResult(response);
    }
}
