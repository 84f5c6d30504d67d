import type { Metadata } from "next";
import { CreateTokenForm } from "@/components/admin/create-token-form";
import { CreateUserForm } from "@/components/admin/create-user-form";
import { formatDay, formatRelative, initials } from "@/components/admin/format";
import { Icon } from "@/components/admin/icons";
import { revokeApiToken } from "@/app/admin/actions/revoke-api-token";
import { ConfirmActionForm } from "@/components/admin/confirm-action-form";
import { UserStatusForm } from "@/components/admin/user-status-form";
import { listApiTokens, listUsers } from "@/lib/auth";
import { requireStaffPage } from "@/lib/auth/next";
import { appDeps } from "@/lib/core/deps";

export const metadata: Metadata = { title: "Users & API tokens" };

export default async function UsersPage() {
  // Admins only: a merchandiser gets the 403 page (forbidden.tsx), with no data loaded.
  const staff = await requireStaffPage("admin");
  const deps = appDeps();
  const [users, tokens] = await Promise.all([listUsers(deps), listApiTokens(deps)]);
  const now = new Date();
  const enabled = users.filter((u) => !u.disabledAt).length;

  return (
    <div className="adm-page" data-testid="admin-users">
      <header className="adm-page__header">
        <div>
          <p className="adm-eyebrow">Settings</p>
          <h1 className="adm-title">Users &amp; API tokens</h1>
          <p className="adm-lead">Who can sign in to the back office, with which role, and which scripts may call the admin API.</p>
        </div>
      </header>

      <section className="adm-box" aria-labelledby="staff-title">
        <div className="adm-box__head">
          <div>
            <h2 id="staff-title" className="adm-box__title">
              Staff
            </h2>
            <p className="adm-muted">
              {enabled} of {users.length} {users.length === 1 ? "account" : "accounts"} can sign in.
            </p>
          </div>
        </div>
        <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
          <table className="adm-table adm-table--stack" data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col" className="adm-table__wide">
                  Added
                </th>
                <th scope="col">
                  <span className="adm-sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id} data-testid={`user-row-${u.email}`} className={u.disabledAt ? "adm-table__row--muted" : undefined}>
                  <td>
                    <span className="adm-person">
                      <span className="adm-avatar adm-avatar--small" aria-hidden="true">
                        {initials(u.name)}
                      </span>
                      <span>
                        <span className="adm-person__name">
                          {u.name}
                          {u.id === staff.id ? <span className="adm-you">you</span> : null}
                        </span>
                        <span className="adm-person__email">{u.email}</span>
                      </span>
                    </span>
                  </td>
                  <td>
                    <span className={`adm-role adm-role--${u.role}`}>{u.role}</span>
                  </td>
                  <td>
                    {u.disabledAt ? (
                      <span className="adm-status adm-status--off" title={`Disabled ${formatRelative(u.disabledAt, now)}`}>
                        Disabled
                      </span>
                    ) : (
                      <span className="adm-status adm-status--on">Active</span>
                    )}
                  </td>
                  <td className="adm-table__wide adm-table__nowrap adm-muted">{formatDay(u.createdAt)}</td>
                  <td className="adm-table__actions">
                    {u.id === staff.id ? null : <UserStatusForm userId={u.id} email={u.email} disabled={u.disabledAt !== null} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="adm-box" aria-labelledby="new-user-title">
        <div className="adm-box__head">
          <div>
            <h2 id="new-user-title" className="adm-box__title">
              Add a staff member
            </h2>
            <p className="adm-muted">They sign in at /admin/login with this email and password.</p>
          </div>
        </div>
        <CreateUserForm />
      </section>

      <section className="adm-box" id="tokens" aria-labelledby="tokens-title">
        <div className="adm-box__head">
          <div>
            <h2 id="tokens-title" className="adm-box__title">
              API tokens
            </h2>
            <p className="adm-muted">
              For scripts and sales channels: <code>Authorization: Bearer swt_…</code>. Only a hash is stored, so a lost token cannot be
              shown again — revoke it and create another.
            </p>
          </div>
        </div>
        <CreateTokenForm />
        {tokens.length === 0 ? (
          <div className="adm-empty" data-testid="tokens-empty">
            <Icon name="key" />
            <p>No API tokens yet. The environment&rsquo;s ADMIN_API_TOKEN still works for deployment scripts.</p>
          </div>
        ) : (
          <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
            <table className="adm-table adm-table--stack" data-testid="tokens-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Acts as</th>
                  <th scope="col" className="adm-table__wide">
                    Created
                  </th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="adm-sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr key={t.id} data-testid={`token-row-${t.name}`}>
                    <td>
                      <span className="adm-token-name">
                        <Icon name="key" />
                        {t.name}
                      </span>
                    </td>
                    <td>
                      <span className={`adm-role adm-role--${t.role}`}>{t.role}</span>
                    </td>
                    <td className="adm-table__wide adm-muted">
                      {formatDay(t.createdAt)}
                      {t.createdBy ? ` by ${t.createdBy.name}` : ""}
                    </td>
                    <td className="adm-table__nowrap adm-muted">
                      {t.lastUsedAt ? `Used ${formatRelative(t.lastUsedAt, now)}` : "Never used"}
                    </td>
                    <td className="adm-table__actions">
                      <ConfirmActionForm
                        action={revokeApiToken}
                        field={{ name: "tokenId", value: t.id }}
                        verb="Revoke"
                        subject={t.name}
                        testIds={{ open: `token-revoke-${t.name}`, confirm: `token-revoke-confirm-${t.name}` }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
