// Address masquerading (RFC 6409 section 8.8, "Modify... to hide internal host names"): a sender
// address at a host inside a masquerade domain is rewritten to the domain itself
// (`alice@host7.example.com` -> `alice@example.com`). Envelope and header fields are separate
// calls, because a policy may rewrite one and not the other; neither touches anything but the
// domain text of the addresses it rewrites.
import { domainToUnicode } from "node:url";
import { splitAddress, joinAddress } from "../../formats/envelopeAddress.js";
import { comparableDomain } from "../../formats/ownAddress.js";
import { rewriteAddressHeader } from "../address/addressHeader.js";
import { fieldsNamed } from "../message/headerSection.js";
/** The sender fields masqueraded by default (RFC 5322 sections 3.6.2 and 3.6.6): the ones that name the author or sender. */
export const MASQUERADE_HEADER_FIELDS = ["From", "Sender", "Resent-From", "Resent-Sender"];
function isBelow(domain, parent) {
    return domain.endsWith(`.${parent}`);
}
function hasNonAscii(text) {
    return /[^\x00-\x7f]/.test(text);
}
function localValue(written) {
    return /^".*"$/s.test(written) ? written.slice(1, -1).replace(/\\([\s\S])/g, "$1") : written;
}
/**
 * The domain that `domain` is masqueraded to, in comparable (A-label) form, or null when it is
 * left alone: not below any masquerade domain, equal to one, an exception or below one, or an
 * address literal. When domains nest, the longest (most specific) wins, whatever the order
 * written, so a rule has one meaning however it is spelled.
 */
export function masqueradeTarget(domain, rule) {
    if (domain.startsWith("["))
        return null;
    const host = comparableDomain(domain);
    for (const exception of rule.exceptions ?? []) {
        const except = comparableDomain(exception);
        if (host === except || isBelow(host, except))
            return null;
    }
    let best = null;
    for (const candidate of rule.domains) {
        const target = comparableDomain(candidate);
        // A masquerade domain is itself a destination (`eu.example.com` under `example.com`
        // stays): masquerading twice must change nothing.
        if (host === target)
            return null;
        if (isBelow(host, target) && (best === null || target.length > best.length))
            best = target;
    }
    return best;
}
function exceptedLocalPart(local, rule) {
    const value = localValue(local).toLowerCase();
    return (rule.exceptLocalParts ?? []).some((except) => except.toLowerCase() === value);
}
/** The new domain text, in the script the old one was written in (U-labels stay U-labels, RFC 6532). */
function newDomainText(oldDomain, target) {
    return hasNonAscii(oldDomain) ? domainToUnicode(target) || target : target;
}
export function masqueradeEnvelope(address, rule) {
    if (typeof address === "string") {
        if (address === "")
            return address;
        const parts = splitAddress(address);
        if (parts.domain === null || exceptedLocalPart(parts.localPart, rule))
            return address;
        const target = masqueradeTarget(parts.domain, rule);
        if (target === null)
            return address;
        return joinAddress({ ...parts, domain: newDomainText(parts.domain, target) });
    }
    if (address.domain === null || address.literal || exceptedLocalPart(address.localPart, rule))
        return address;
    const target = masqueradeTarget(address.domain, rule);
    if (target === null)
        return address;
    const written = address.domainAsWritten ?? address.domain;
    return { ...address, domain: target, domainAsWritten: newDomainText(written, target) };
}
/** Masquerades the addresses of one address-list field body; returns the body itself when nothing changes. */
export function masqueradeHeaderValue(fieldBody, rule) {
    return rewriteAddressHeader(fieldBody, (spec) => {
        if (spec.domain === null || spec.literal || exceptedLocalPart(spec.local, rule))
            return null;
        const target = masqueradeTarget(spec.domain, rule);
        return target === null ? null : { domain: newDomainText(spec.domain, target) };
    });
}
/**
 * Header edits that masquerade `fields` (default MASQUERADE_HEADER_FIELDS). Only fields that change
 * get an edit; the rest of the message is copied byte for byte by applyHeaderEdits. A rewritten
 * field keeps its display names and comments; applyHeaderEdits refolds it (a `replace` edit holds
 * an unfolded value). When the same field is also qualified, compose the value functions
 * (masqueradeHeaderValue(qualifyAddressHeader(v, D), rule)): applyHeaderEdits refuses two edits of one field.
 */
export function masqueradeHeaderEdits(header, rule, fields = MASQUERADE_HEADER_FIELDS) {
    const edits = [];
    const wanted = new Set(fields.flatMap((name) => fieldsNamed(header, name)));
    header.fields.forEach((field, index) => {
        if (!wanted.has(field))
            return;
        const value = masqueradeHeaderValue(field.value, rule);
        if (value !== field.value)
            edits.push({ kind: "replace", index, value });
    });
    return edits;
}
//# sourceMappingURL=masquerade.js.map