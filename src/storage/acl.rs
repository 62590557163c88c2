//! Who may do what: canned access control lists on buckets and objects, and the check that runs
//! before every S3 request.
//!
//! The store has one user, the root user, who owns every bucket and object and may do anything.
//! ACLs open resources to everyone else: `public-read` lets anonymous (unsigned) requests read an
//! object, or list a bucket; `public-read-write` on a bucket also lets them write and delete its
//! objects. Explicit grants are accepted when they amount to one of the canned ACLs (that is what
//! `GetBucketAcl` answers with, so a client can write back what it read); other grants are refused
//! with NotImplemented rather than stored and ignored.

use s3s::access::{S3Access, S3AccessContext};
use s3s::dto::{AccessControlPolicy, Grant, Grantee, Owner, Permission, Type};
use s3s::path::S3Path;
use s3s::{S3Result, s3_error};
use serde::{Deserialize, Serialize};

use super::backend::store_error;
use super::store::{Store, StoreError};

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

/// A canned ACL, as `x-amz-acl` names it. Stored with every bucket and object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CannedAcl {
    #[default]
    Private,
    PublicRead,
    PublicReadWrite,
    AuthenticatedRead,
}

/// A grant other than the owner's own full control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum GroupGrant {
    AllUsersRead,
    AllUsersWrite,
    AuthenticatedUsersRead,
}

impl CannedAcl {
    /// Reads the ACL of a request: `x-amz-acl`, `x-amz-grant-*` headers, or an
    /// `AccessControlPolicy` body (at most one of them; none means private).
    pub(crate) fn from_request(
        canned: Option<&str>,
        grant_headers: &[(Option<&str>, &str)],
        policy: Option<&AccessControlPolicy>,
        owner: &Owner,
    ) -> S3Result<Self> {
        let given_headers: Vec<_> = grant_headers.iter().filter(|(value, _)| value.is_some()).collect();
        if usize::from(canned.is_some()) + usize::from(!given_headers.is_empty()) + usize::from(policy.is_some()) > 1 {
            return Err(s3_error!(
                InvalidRequest,
                "Specify an ACL as x-amz-acl, as x-amz-grant-* headers, or in the request body, not more than one"
            ));
        }
        if let Some(name) = canned {
            return Self::parse(name);
        }
        let mut groups = Vec::new();
        for (value, permission) in given_headers {
            for grantee in value.unwrap_or_default().split(',') {
                groups.extend(header_grant(grantee.trim(), permission, owner)?);
            }
        }
        for grant in policy.and_then(|p| p.grants.as_ref()).into_iter().flatten() {
            let permission = grant.permission.as_ref().map_or("", Permission::as_str);
            let grantee =
                grant.grantee.as_ref().ok_or_else(|| s3_error!(MalformedACLError, "a grant has no grantee"))?;
            groups.extend(group_grant(grantee.uri.as_deref(), grantee.id.as_deref(), permission, owner)?);
        }
        groups.sort_unstable();
        groups.dedup();
        Self::from_groups(&groups)
    }

    /// `x-amz-acl` values. `bucket-owner-*` make the bucket owner the object's owner or reader,
    /// which one owner already is.
    fn parse(name: &str) -> S3Result<Self> {
        match name {
            "private" | "bucket-owner-read" | "bucket-owner-full-control" => Ok(Self::Private),
            "public-read" => Ok(Self::PublicRead),
            "public-read-write" => Ok(Self::PublicReadWrite),
            "authenticated-read" => Ok(Self::AuthenticatedRead),
            "aws-exec-read" | "log-delivery-write" => Err(s3_error!(NotImplemented, "the ACL {name} is not supported")),
            _ => Err(s3_error!(InvalidArgument, "{name} is not a canned ACL")),
        }
    }

    fn from_groups(groups: &[GroupGrant]) -> S3Result<Self> {
        use GroupGrant::*;
        match groups {
            [] => Ok(Self::Private),
            [AllUsersRead] => Ok(Self::PublicRead),
            [AllUsersRead, AllUsersWrite] => Ok(Self::PublicReadWrite),
            [AuthenticatedUsersRead] => Ok(Self::AuthenticatedRead),
            _ => Err(s3_error!(
                NotImplemented,
                "only grants equal to a canned ACL (private, public-read, public-read-write, authenticated-read) \
                 are supported"
            )),
        }
    }

    /// Anyone, signed or not, may read (objects) or list (buckets).
    pub(crate) fn anyone_reads(self) -> bool {
        matches!(self, Self::PublicRead | Self::PublicReadWrite)
    }

    /// Anyone may write and delete objects (buckets).
    pub(crate) fn anyone_writes(self) -> bool {
        self == Self::PublicReadWrite
    }

    /// The grants `GetBucketAcl` and `GetObjectAcl` answer with.
    pub(crate) fn grants(self, owner: &Owner) -> Vec<Grant> {
        let group = |uri: &str, permission: &'static str| Grant {
            grantee: Some(Grantee {
                display_name: None,
                email_address: None,
                id: None,
                type_: Type::from_static(Type::GROUP),
                uri: Some(uri.to_owned()),
            }),
            permission: Some(Permission::from_static(permission)),
        };
        let mut grants = vec![Grant {
            grantee: Some(Grantee {
                display_name: owner.display_name.clone(),
                email_address: None,
                id: owner.id.clone(),
                type_: Type::from_static(Type::CANONICAL_USER),
                uri: None,
            }),
            permission: Some(Permission::from_static(Permission::FULL_CONTROL)),
        }];
        match self {
            Self::Private => {}
            Self::PublicRead => grants.push(group(ALL_USERS, Permission::READ)),
            Self::PublicReadWrite => {
                grants.push(group(ALL_USERS, Permission::READ));
                grants.push(group(ALL_USERS, Permission::WRITE));
            }
            Self::AuthenticatedRead => grants.push(group(AUTHENTICATED_USERS, Permission::READ)),
        }
        grants
    }
}

/// One grantee of an `x-amz-grant-*` header: `uri="..."`, `id="..."` or `emailAddress="..."`.
fn header_grant(grantee: &str, permission: &str, owner: &Owner) -> S3Result<Option<GroupGrant>> {
    let (kind, value) = grantee
        .split_once('=')
        .ok_or_else(|| s3_error!(InvalidArgument, "grantee {grantee:?} is not like uri=\"...\" or id=\"...\""))?;
    let value = value.trim().trim_matches('"');
    match kind.trim() {
        "uri" => group_grant(Some(value), None, permission, owner),
        "id" => group_grant(None, Some(value), permission, owner),
        _ => Err(s3_error!(NotImplemented, "grants to {kind} are not supported: this store has one user")),
    }
}

fn group_grant(uri: Option<&str>, id: Option<&str>, permission: &str, owner: &Owner) -> S3Result<Option<GroupGrant>> {
    match (uri, id, permission) {
        (None, Some(id), _) if Some(id) == owner.id.as_deref() => Ok(None),
        (Some(ALL_USERS), _, Permission::READ) => Ok(Some(GroupGrant::AllUsersRead)),
        (Some(ALL_USERS), _, Permission::WRITE) => Ok(Some(GroupGrant::AllUsersWrite)),
        (Some(AUTHENTICATED_USERS), _, Permission::READ) => Ok(Some(GroupGrant::AuthenticatedUsersRead)),
        (None, Some(id), _) => Err(s3_error!(
            NotImplemented,
            "grants to user {id} are not supported: this store has one user, {}",
            owner.id.as_deref().unwrap_or_default()
        )),
        _ => Err(s3_error!(
            NotImplemented,
            "the grant of {permission} to {} is not supported",
            uri.unwrap_or("an unknown grantee")
        )),
    }
}

/// The check s3s runs before each request, after authentication: signed requests (the root user's)
/// may do anything; unsigned ones only what a public ACL allows.
pub(crate) struct AccessControl {
    store: Store,
    owner_id: String,
}

impl AccessControl {
    pub(crate) fn new(store: Store, owner_id: String) -> Self {
        Self { store, owner_id }
    }

    /// Anonymous reads and writes of objects follow the bucket's ACL, except that reading an
    /// object needs the object's own ACL (S3's rule: a public bucket lists, it does not serve).
    /// A request on a missing bucket goes through, to be answered NoSuchBucket as S3 does.
    async fn anonymous_may(&self, op: &str, path: &S3Path) -> S3Result<bool> {
        let (bucket, key) = match path {
            S3Path::Root => return Ok(false),
            S3Path::Bucket { bucket } => (bucket.as_ref(), None),
            S3Path::Object { bucket, key } => (bucket.as_ref(), Some(key.as_ref())),
        };
        let Some(bucket_acl) = self.store.bucket_acl(bucket).await.map_err(store_error)? else {
            return Ok(true);
        };
        Ok(match (op, key) {
            ("ListObjects" | "ListObjectsV2" | "ListObjectVersions" | "HeadBucket" | "GetBucketLocation", None) => {
                bucket_acl.anyone_reads()
            }
            ("DeleteObjects" | "ListMultipartUploads", None) => bucket_acl.anyone_writes(),
            ("GetObject" | "HeadObject", Some(key)) => match self.store.get_object(bucket, key).await {
                Ok(meta) => meta.acl.anyone_reads(),
                // NoSuchKey for those who may list the bucket, AccessDenied for the others.
                Err(StoreError::NoSuchKey) => bucket_acl.anyone_reads(),
                Err(err) => return Err(store_error(err)),
            },
            (
                "PutObject"
                | "DeleteObject"
                | "CreateMultipartUpload"
                | "UploadPart"
                | "CompleteMultipartUpload"
                | "AbortMultipartUpload"
                | "ListParts",
                Some(_),
            ) => bucket_acl.anyone_writes(),
            _ => false,
        })
    }
}

#[async_trait::async_trait]
impl S3Access for AccessControl {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        // S3's guard against writing into someone else's bucket by mistake.
        if let Some(expected) = cx.headers().get("x-amz-expected-bucket-owner")
            && expected.as_bytes() != self.owner_id.as_bytes()
        {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        if cx.credentials().is_some() || self.anonymous_may(cx.s3_op().name(), cx.s3_path()).await? {
            Ok(())
        } else {
            Err(s3_error!(AccessDenied, "Access Denied"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Owner {
        Owner { display_name: Some("ada".into()), id: Some("ada".into()) }
    }

    const NO_HEADERS: &[(Option<&str>, &str)] = &[];
    const ALL_USERS_GRANTEE: &str = r#"uri="http://acs.amazonaws.com/groups/global/AllUsers""#;

    #[test]
    fn what_get_acl_answers_is_accepted_back() {
        for acl in [CannedAcl::Private, CannedAcl::PublicRead, CannedAcl::PublicReadWrite, CannedAcl::AuthenticatedRead]
        {
            let policy = AccessControlPolicy { grants: Some(acl.grants(&owner())), owner: Some(owner()) };
            assert_eq!(CannedAcl::from_request(None, NO_HEADERS, Some(&policy), &owner()).unwrap(), acl);
        }
    }

    #[test]
    fn grant_headers_name_groups_and_the_owner() {
        let headers = [(Some(r#"id="ada""#), Permission::FULL_CONTROL), (Some(ALL_USERS_GRANTEE), Permission::READ)];
        assert_eq!(CannedAcl::from_request(None, &headers, None, &owner()).unwrap(), CannedAcl::PublicRead);
        let headers = [(Some(r#"id="bob""#), Permission::READ)];
        assert!(CannedAcl::from_request(None, &headers, None, &owner()).is_err(), "a second user is not supported");
    }

    #[test]
    fn canned_names_and_conflicts() {
        assert_eq!(CannedAcl::from_request(None, NO_HEADERS, None, &owner()).unwrap(), CannedAcl::Private);
        assert_eq!(
            CannedAcl::from_request(Some("public-read-write"), NO_HEADERS, None, &owner()).unwrap(),
            CannedAcl::PublicReadWrite
        );
        assert!(CannedAcl::from_request(Some("everyone"), NO_HEADERS, None, &owner()).is_err());
        let headers = [(Some(ALL_USERS_GRANTEE), Permission::READ)];
        assert!(CannedAcl::from_request(Some("private"), &headers, None, &owner()).is_err());
    }
}
