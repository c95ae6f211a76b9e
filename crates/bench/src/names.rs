//! Word lists for realistic French data: names, communes, note texts.

pub const FAMILY_NAMES: &[&str] = &[
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT", "SIMON", "MICHEL",
    "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL", "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE",
    "ROUSSEAU", "VINCENT", "MULLER", "LEFEBVRE", "FAURE", "ANDRÉ", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER",
    "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLÉMENT", "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU",
    "GAUTIER", "MASSON", "MARCHAND", "DUVAL", "DENIS", "DUMONT", "MARIE", "LEMAIRE", "NOËL", "MEYER", "DUFOUR", "MEUNIER",
    "BRUN", "BLANCHARD", "GIRAUD", "JOLY", "RIVIÈRE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD", "MARTINEZ", "GÉRARD",
    "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX", "COLIN", "VIDAL", "CARON", "PICARD", "ROGER", "FABRE", "AUBERT", "LEMOINE",
    "RENAUD", "DUMAS", "LACROIX", "OLIVIER", "PHILIPPE", "BOURGEOIS", "PIERRE", "BENOÎT", "REY", "LECLERC", "PAYET", "ROLLAND",
    "LEBLANC", "GUILLAUME", "JOSSE", "LE GALL", "LE ROUX", "D'ALMEIDA", "N'DIAYE", "NGUYEN", "DA SILVA", "DOS SANTOS", "BENOIT",
    "HOARAU", "GRONDIN", "MOULIN", "PRÉVOST", "CARPENTIER", "BOUCHER", "HUBERT", "DESCHAMPS", "COLLET", "BAILLY", "HUET",
];

pub const FEMALE_NAMES: &[&str] = &[
    "Marie", "Jeanne", "Françoise", "Monique", "Catherine", "Nathalie", "Isabelle", "Sylvie", "Hélène", "Christiane", "Odette",
    "Simone", "Germaine", "Yvette", "Léa", "Chloé", "Inès", "Manon", "Zoé", "Anaïs", "Geneviève", "Thérèse", "Éliane", "Denise",
    "Suzanne", "Madeleine", "Marcelle", "Paulette", "Josette", "Colette", "Jacqueline", "Micheline", "Ginette", "Lucienne",
    "Emma", "Jade", "Louise", "Alice", "Lina", "Mila", "Rose", "Ambre", "Julia", "Anna", "Camille", "Sarah", "Lola", "Léna",
    "Nadia", "Fatima", "Yasmine", "Aïcha", "Élise", "Agnès", "Bernadette", "Brigitte", "Danielle", "Martine", "Nicole",
];

pub const MALE_NAMES: &[&str] = &[
    "Jean", "Pierre", "Michel", "André", "Philippe", "René", "Louis", "Alain", "Jacques", "Bernard", "Marcel", "Robert",
    "Lucas", "Hugo", "Nathan", "Enzo", "Théo", "Mathis", "Noé", "Gérard", "Raymond", "Joël", "François", "Roger", "Henri",
    "Georges", "Maurice", "Paul", "Claude", "Daniel", "Lucien", "Marc", "Yves", "Guy", "Serge", "Gabriel", "Léo", "Raphaël",
    "Arthur", "Jules", "Adam", "Maël", "Sacha", "Noah", "Liam", "Karim", "Mehdi", "Youssef", "Mamadou", "Éric", "Thierry",
];

/// INSEE (COG) codes of communes, with Corsica and overseas, and countries (99xxx).
pub const COMMUNES: &[&str] = &[
    "75056", "69123", "13055", "31555", "06088", "44109", "67482", "34172", "33063", "59350", "35238", "51454", "76351",
    "42218", "83137", "38185", "21231", "49007", "37261", "63113", "63220", "80021", "87085", "29019", "2A004", "2B033",
    "97411", "97209", "64445", "66136", "99134", "99350", "99109",
];

/// (category code, text) of logbook notes.
pub const NOTES: &[(&str, &str)] = &[
    ("nursing_care", "A bien dormi. Toilette faite au lavabo avec aide partielle, habillage seul."),
    ("nursing_care", "Refus du petit-déjeuner, a accepté un yaourt et un jus à 10 h."),
    ("nursing_care", "Nuit agitée, s'est levé(e) trois fois, rassuré(e) et recouché(e)."),
    ("nursing_care", "Pansement talon gauche refait, plaie propre, pas de signe d'infection."),
    ("nursing_care", "Bonne hydratation aujourd'hui : 1,2 L bus dans la journée."),
    ("nursing_care", "Selles normales ce matin. Change complet à 14 h."),
    ("nursing_care", "Douleur au genou droit évaluée à 4/10, antalgique donné selon prescription."),
    ("nursing_care", "Aide au repas de midi, a mangé la moitié du plat et tout le dessert."),
    ("nursing_care", "Prévention d'escarres : changement de position toutes les 3 heures."),
    ("nursing_care", "Toux grasse depuis hier soir, température 37,8 °C, IDE prévenue."),
    ("medical", "Tension à surveiller deux fois par jour pendant une semaine."),
    ("medical", "Consultation du médecin traitant : renouvellement du traitement, bilan sanguin à prévoir."),
    ("medical", "Retour de consultation cardiologique : pas de modification du traitement."),
    ("medication", "Traitement du soir pris sans difficulté, comprimés écrasés selon prescription."),
    ("medication", "Refus du traitement de midi, représenté à 13 h 30 et pris."),
    ("shared_with_family", "Visite de sa fille cet après-midi, moment agréable au salon."),
    ("shared_with_family", "Appel téléphonique de son fils, nouvelles données, rassuré."),
    ("educational", "Atelier cuisine : a participé avec plaisir à la préparation du goûter."),
    ("educational", "Sortie au marché avec le groupe, bonne participation, a choisi des fruits."),
    ("educational", "Temps scolaire : travail sur la lecture, concentré pendant vingt minutes."),
    ("educational", "Conflit avec un camarade au repas, médiation faite, excuses réciproques."),
    ("educational", "Atelier musique : a chanté et joué des percussions avec entrain."),
    ("social", "Dossier APA : le renouvellement est à déposer avant la fin du mois."),
    ("social", "Rendez-vous avec l'assistante sociale pour la demande d'aide sociale à l'hébergement."),
    ("social", "Contact avec le mandataire judiciaire au sujet du budget mensuel."),
    ("psychological", "Entretien : exprime de la tristesse liée à l'entrée en établissement, à revoir."),
    ("psychological", "Séance de soutien : humeur plus stable, projets évoqués pour l'été."),
    ("administrative", "Attestation de mutuelle reçue et classée."),
    ("administrative", "Mise à jour de la carte Vitale effectuée."),
];

/// (target, data, action, result) of targeted notes (transmissions ciblées).
pub const TARGETED: &[(&str, &str, &str, &str)] = &[
    ("Chute", "Retrouvé(e) assis(e) au sol dans la chambre à 6 h.", "Relevé(e) à deux, examen, IDE prévenue.", "Pas de douleur ni de plaie, surveillance 24 h."),
    ("Douleur", "Se plaint du dos, EN 6/10.", "Antalgique selon protocole, installation au fauteuil.", "EN 2/10 une heure après."),
    ("Alimentation", "Mange peu depuis trois jours.", "Enrichissement des repas, pesée prévue.", "A mangé les trois quarts du repas du soir."),
    ("Comportement", "Agitation en fin de journée, déambulation.", "Accompagnement au jardin, musique douce.", "Apaisé(e) après trente minutes."),
    ("Sommeil", "Réveils nocturnes répétés.", "Tisane, réassurance, veilleuse.", "S'est rendormi(e) vers 3 h."),
];
