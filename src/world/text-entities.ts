/**
 * The closed sets a text world draws from: people's names, cities and their countries, what a city is
 * known for, jobs, pets, colours and games. Every world uses all the cities and draws the rest
 * (src/world/text-facts.ts); every word of these lists is in TEXT_VOCABULARY.
 */

export const FEMALE_NAMES = [
  'Alice', 'Anna', 'Bella', 'Carol', 'Clara', 'Diana', 'Elena', 'Emma', 'Eva', 'Fiona',
  'Grace', 'Hannah', 'Helen', 'Irene', 'Isla', 'Ivy', 'Jane', 'Julia', 'Karen', 'Kate',
  'Laura', 'Lily', 'Lucy', 'Maya', 'Mia', 'Nina', 'Nora', 'Olivia', 'Paula', 'Rosa',
  'Ruth', 'Sara', 'Sophie', 'Tara', 'Tina', 'Uma', 'Vera', 'Wendy', 'Yara', 'Zoe',
] as const

export const MALE_NAMES = [
  'Adam', 'Alan', 'Ben', 'Bob', 'Brian', 'Carl', 'Colin', 'Dan', 'David', 'Derek',
  'Eric', 'Felix', 'Frank', 'George', 'Henry', 'Hugo', 'Ian', 'Jack', 'James', 'Kevin',
  'Leo', 'Liam', 'Mark', 'Nick', 'Noah', 'Oscar', 'Owen', 'Paul', 'Peter', 'Ralph',
  'Ryan', 'Sam', 'Simon', 'Tom', 'Umar', 'Victor', 'Walter', 'Xavier', 'Yusuf', 'Zack',
] as const

/** Cities and the (real) country each is in; every world uses all of them. */
export const CITY_COUNTRIES = {
  Paris: 'France', Lyon: 'France', Rome: 'Italy', Milan: 'Italy',
  Berlin: 'Germany', Munich: 'Germany', Madrid: 'Spain', Seville: 'Spain',
  Lisbon: 'Portugal', Porto: 'Portugal', Vienna: 'Austria', Salzburg: 'Austria',
  Dublin: 'Ireland', Cork: 'Ireland', Oslo: 'Norway', Bergen: 'Norway',
} as const
export type City = keyof typeof CITY_COUNTRIES
export const CITIES = Object.keys(CITY_COUNTRIES) as City[]
export const COUNTRIES = [...new Set(Object.values(CITY_COUNTRIES))]

/** What a city can be known for (drawn per world). */
export const CITY_FEATURES = [
  'its old bridges', 'its night markets', 'its football team', 'its museums', 'its harbour', 'its gardens',
  'its cheese', 'its music festival', 'its cathedral', 'its university', 'its railway station', 'its beaches',
  'its coffee', 'its bakeries', 'its theatre', 'its zoo',
] as const

export const JOBS = [
  'teacher', 'doctor', 'nurse', 'engineer', 'farmer', 'baker', 'pilot', 'lawyer', 'painter', 'musician',
  'writer', 'chef', 'dentist', 'driver', 'gardener', 'architect', 'scientist', 'carpenter', 'plumber', 'librarian',
  'singer', 'tailor', 'banker', 'sailor',
] as const

export const PETS = ['dog', 'cat', 'parrot', 'rabbit', 'hamster', 'goldfish', 'turtle', 'horse', 'snake', 'lizard', 'canary', 'pony'] as const

export const FAVOURITE_COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'black', 'pink', 'brown'] as const

export const GAMES = ['tennis', 'football', 'chess', 'golf', 'hockey', 'rugby', 'cricket', 'basketball', 'volleyball', 'baseball'] as const
